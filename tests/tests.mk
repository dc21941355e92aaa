# Tests: included by the top-level Makefile.
#
# Every test is an executable that prints TAP; prove runs them all and ends
# with its "Result: PASS/FAIL" summary. Integration tests need root: they
# mount a private bpffs and start the real daemon on a private socket.

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
HELPER_BINS	:= $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))

# BPF programs used only by tests share the bpf/ build rules.
TEST_BPF_SRCS	:= $(wildcard tests/bpf/*.bpf.c)
TEST_SKELS	:= $(patsubst tests/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(TEST_BPF_SRCS))

$(BUILD)/bpf/%.bpf.o: tests/bpf/%.bpf.c $(BUILD)/vmlinux.h
	$(call bpf_object,$<,-Itests/bpf $(BPF_EXTRA))

# Objects linked from several in tests/bpf/link/, each of which includes
# the shared BPF headers: the link merges their __weak maps.
TEST_LINKED	:= ledger_loader
TEST_SKELS	+= $(patsubst %,$(BUILD)/%.skel.h,$(TEST_LINKED))

$(BUILD)/bpf/link/%.bpf.o: tests/bpf/link/%.bpf.c $(BUILD)/vmlinux.h
	$(call bpf_object,$<,-Itests/bpf $(BPF_EXTRA))

$(BUILD)/bpf/ledger_loader.bpf.o: $(BUILD)/bpf/link/ledger_alloc.bpf.o $(BUILD)/bpf/link/ledger_counter.bpf.o
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# Unit tests link the daemon's pure-logic objects directly, and libarenad.
UNIT_LINK	:= $(BUILD)/daemon/config.o $(BUILD)/daemon/metrics/prom.o $(BUILD)/daemon/metrics/process_metrics.o $(BUILD)/daemon/rpc/rpc.o \
		   $(BUILD)/daemon/rpc/rpc_call.o $(BUILD)/daemon/rpc/rpc_params.o $(BUILD)/daemon/basic/json_strict.o \
		   $(BUILD)/daemon/basic/json_out.o \
		   $(BUILD)/daemon/basic/log.o \
		   $(BUILD)/daemon/basic/bitmap.o $(BUILD)/daemon/events/quota_watch.o $(BUILD)/libarenad.a

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_LINK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -Itests/unit -o $@ $< $(UNIT_LINK) $(LDLIBS_DAEMON)

# The connection's life over socketpairs: the real server and connection
# code on an sd-event loop, with methods of the test's own.
$(BUILD)/tests/test_conn: tests/unit/test_conn.c $(UNIT_LINK) $(BUILD)/daemon/rpc/conn.o $(BUILD)/daemon/rpc/server.o
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -Itests/unit -o $@ $< \
		$(BUILD)/daemon/rpc/conn.o $(BUILD)/daemon/rpc/server.o $(UNIT_LINK) $(LDLIBS_DAEMON)

# arenactl-client's pure parts (the map grid) are tested like the daemon's.
$(BUILD)/tests/test_mapgrid: tests/unit/test_mapgrid.c $(BUILD)/client/mapgrid.o
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CLIENT_CPPFLAGS) -Iclient -Itests/unit -o $@ $^

# The owner strings with the strings map faked by the test itself (its
# definitions come before libarenad.a's).
$(BUILD)/tests/test_owners: tests/unit/test_owners.c $(BUILD)/daemon/arena/owners.o $(UNIT_LINK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/daemon/arena/owners.o \
		$(UNIT_LINK) $(LDLIBS_DAEMON)

# Who holds what: the creators' identity and the orphans' rule, with the
# ledger given by the test (orphans.o's worker side links, unused).
$(BUILD)/tests/test_tenants: tests/unit/test_tenants.c $(BUILD)/daemon/tenants/holder.o \
		$(BUILD)/daemon/tenants/orphans.o $(BUILD)/daemon/basic/worker.o $(UNIT_LINK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -Itests/unit -o $@ $< \
		$(BUILD)/daemon/tenants/holder.o $(BUILD)/daemon/tenants/orphans.o \
		$(BUILD)/daemon/basic/worker.o $(UNIT_LINK) $(LDLIBS_DAEMON)

# The method handlers on a real arena (tests/integration/13-handlers.t
# runs it on a private bpffs): every daemon object but main.o, as built.
HANDLERS_OBJS	= $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJS))

$(BUILD)/tests/handlers: tests/handlers/handlers.c $(HANDLERS_OBJS) $(BUILD)/libarenad.a
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -Itests/unit -o $@ $< $(HANDLERS_OBJS) \
		$(BUILD)/libarenad.a $(LDLIBS_DAEMON)

test-build: $(BUILD)/tests/handlers

# Test helpers are external users: they see the installed headers only
# (and the test BPF objects' skeletons).
$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libarenad.a | $(TEST_SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iinclude/arenad -Itests/bpf -I$(BUILD) $(PC_CFLAGS) -o $@ $< $(BUILD)/libarenad.a $(LDLIBS_CLIENT)

include tests/fuzz/fuzz.mk

# The ASan/UBSan tree that tests/sanitize/ runs against (not from inside
# a SANITIZE=1 make itself).
ifneq ($(SANITIZE),1)
SANITIZE_BUILD	:= sanitize-build
sanitize-build:
	@$(MAKE) --no-print-directory SANITIZE=1 all
.PHONY: sanitize-build
endif

test-build: all examples $(UNIT_BINS) $(HELPER_BINS) $(FUZZ_BINS) $(SANITIZE_BUILD)


PROVE		?= prove
PROVE_FLAGS	?=
# Tests run the same however make was started: a `make -jN test` must not
# hand its jobserver flags to the makes that tests start themselves
# (make install, the module build), which cannot reach that jobserver.
TEST_ENV	:= env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES

# Where the tests run (tests/vm/README.md): the integration and sanitizer
# tests need a kernel that creates BPF arenas, the host's when it does,
# else Debian's 6.18 in guests under QEMU, one test per guest at a time;
# ARENAD_TEST_KERNEL=host|6.12|6.18|7.2 forces one. A TEST@SERIES runs on
# that series: the 7.2 smoke set below, and 16-check.t on the host (what
# `arenad --check` says of it). Everything else runs on the host;
# the VM tests (tests/vm/*.t) boot guests of their own (6.12: the kernel
# module, systemd as PID 1). The longest tests come first, so that the
# guests finish together. One prove, one summary.
GUEST		:= $(CURDIR)/tests/vm/guest.py
SMOKE_72	:= 10-basic 20-restart 31-loader-pins 43-objects 51-memcg 55-census 58-arenas
# The sanitizer's parts, one by one (sanitize.t:PART), so that guests share them.
SANITIZE_PARTS	= $(shell tests/sanitize/sanitize.t --list)
TEST_FILES	= $(patsubst %,tests/sanitize/sanitize.t:%,$(SANITIZE_PARTS)) tests/vm/*.t tests/integration/*.t \
		  $(patsubst %,tests/integration/%.t@7.2,$(SMOKE_72)) tests/integration/16-check.t@host \
		  tests/fuzz/*.t $(UNIT_BINS) $(MONITORING_TESTS)

# The monitoring mixin's checks (promtool, the dashboard's structure): on
# the host, like the unit tests, in seconds.
MONITORING_TESTS := $(wildcard tests/monitoring/*.t)

# The guests' kernels and root file system download while the suite builds.
test: deps
	@bash tests/vm/deps.sh
	@tests/vm/fetch.sh & fetch=$$!; \
		$(MAKE) --no-print-directory test-build; rc=$$?; wait $$fetch; exit $$rc
	$(TEST_ENV) $(GUEST) session -- $(PROVE) $(PROVE_FLAGS) --exec '$(GUEST) run' $(TEST_FILES)

test-unit: $(UNIT_BINS)
	$(TEST_ENV) $(PROVE) $(PROVE_FLAGS) $(UNIT_BINS) $(MONITORING_TESTS)

test-integration: test-build
	$(TEST_ENV) $(GUEST) session -- $(PROVE) $(PROVE_FLAGS) --exec '$(GUEST) run' tests/integration/*.t

test-vm: deps
	@$(MAKE) --no-print-directory test-build
	$(TEST_ENV) $(PROVE) $(PROVE_FLAGS) tests/vm/*.t

.PHONY: test-build test-vm

# Another program's arena, for the inventory tests: its own BPF object and
# loader, linked with libbpf only — nothing of arenad's.
$(BUILD)/bpf/foreign_arena.bpf.o: tests/foreign/foreign_arena.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(BUILD) -MF $@.d -MT $@ -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/tests/foreign_arena: tests/foreign/foreign_arena.c $(BUILD)/foreign_arena.skel.h
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD) $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null) -o $@ $< \
		$(LIBBPF_A) -lelf -lz

test-build: $(BUILD)/tests/foreign_arena

# Programs written for the selftests' bpf_alloc()/bpf_free(): built
# against arenad's drop-in (include/arenad/bpf_arena_alloc.h, through the
# rule above), and the same sources against the page-frag floor
# (bench/pagefrag/bpf_arena_alloc.h, first on the include path).
OBJ_ALLOC_FLAGS	:= -Itests/bpf -Itests/porting/headers/selftests

$(BUILD)/bpf/obj_htab.bpf.o $(BUILD)/bpf/obj_calls.bpf.o $(BUILD)/bpf/obj_xdp.bpf.o: BPF_EXTRA := $(OBJ_ALLOC_FLAGS)

$(BUILD)/bpf/%_pagefrag.bpf.o: tests/bpf/%.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench/pagefrag $(BPF_CPPFLAGS) $(OBJ_ALLOC_FLAGS) \
		-MF $@.d -MT $@ -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

OBJ_PAGEFRAG	:= $(BUILD)/bpf/obj_htab_pagefrag.bpf.o $(BUILD)/bpf/obj_calls_pagefrag.bpf.o
test-build: $(OBJ_PAGEFRAG)
