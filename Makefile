# arenad — top-level Makefile
#
#   make            build/arenad, build/arenactl-client, build/libarenad.{a,so}
#   make run        install missing deps, build, run arenad in the foreground
#   make test       install missing deps, build, run every test (TAP via prove)
#                   (parts: test-unit, test-integration, test-vm)
#   make examples   the external-loader examples, into build/examples/
#   make bench      benchmarks (figures, not pass/fail)
#   make install    DESTDIR=, PREFIX= (default /usr/local); make uninstall
#   make clean
#
# Generated files (vmlinux.h, BPF objects, skeletons) live in build/.

CC		?= gcc
CLANG		?= clang-19
BPFTOOL		?= bpftool
PKG_CONFIG	?= pkg-config
PREFIX		?= /usr/local
BUILD		:= build
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
		   -D_GNU_SOURCE -Ibpf -Idaemon -Iclient -I$(BUILD)
DEPS_PC		:= libbpf libsystemd json-c
PC_CFLAGS	= $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
# Programs link libbpf statically: they keep working if the system's
# shared libbpf is older than the 1.4 arenas need (Debian 12's own is 1.1).
LIBBPF_A	= $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
LDLIBS_DAEMON	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs libsystemd json-c 2>/dev/null)
LDLIBS_CLIENT	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Ibpf -I$(BUILD)

DAEMON_SRCS	:= $(wildcard daemon/*.c)
DAEMON_OBJS	:= $(patsubst daemon/%.c,$(BUILD)/daemon/%.o,$(DAEMON_SRCS))
CLIENT_LIB_SRCS	:= client/libarenad.c client/pins.c client/reuse.c client/proto_json.c
CLIENT_LIB_OBJS	:= $(patsubst client/%.c,$(BUILD)/client/%.o,$(CLIENT_LIB_SRCS))
CLIENT_OBJS	:= $(BUILD)/client/arenactl.o
BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# Keep generated objects and skeletons: they are cheap to keep, slow to redo.
.SECONDARY:

.PHONY: all deps run test test-unit test-integration bench install install-lib uninstall clean FORCE

all: $(BUILD)/arenad $(BUILD)/arenactl-client $(BUILD)/libarenad.so $(BUILD)/arenad.pc

deps:
	@bash scripts/deps.sh

$(BUILD) $(BUILD)/daemon $(BUILD)/client $(BUILD)/bpf $(BUILD)/tests:
	@mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/vmlinux.h | $(BUILD)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/daemon/%.o: daemon/%.c $(wildcard daemon/*.h bpf/*.h client/*.h) $(SKELS) | $(BUILD)/daemon
	$(CC) $(CFLAGS) $(PC_CFLAGS) -c $< -o $@

$(BUILD)/client/%.o: client/%.c $(wildcard client/*.h bpf/*.h) | $(BUILD)/client
	$(CC) $(CFLAGS) -fPIC $(PC_CFLAGS) -c $< -o $@

$(BUILD)/arenad: $(DAEMON_OBJS) $(BUILD)/libarenad.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DAEMON)

$(BUILD)/libarenad.a: $(CLIENT_LIB_OBJS)
	$(AR) rcs $@ $^

# The shared library exports only arenad_* and links the shared libbpf,
# which the deps step installs at >= 1.4 along with libbpf-dev.
LIBARENAD_SOVER	:= 0
$(BUILD)/libarenad.so.$(LIBARENAD_SOVER): $(CLIENT_LIB_OBJS)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libarenad.so.$(LIBARENAD_SOVER) \
		-Wl,--version-script=client/libarenad.map -o $@ $^ \
		$(shell $(PKG_CONFIG) --libs libbpf json-c 2>/dev/null)

$(BUILD)/libarenad.so: $(BUILD)/libarenad.so.$(LIBARENAD_SOVER)
	ln -sf $(notdir $<) $@

# The pkg-config file names install paths, so it is made for this PREFIX
# (LIBDIR, INCDIR) on every run, and rewritten only when that changes.
$(BUILD)/arenad.pc: client/arenad.pc.in FORCE | $(BUILD)
	@$(SUBST) $< > $@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

FORCE:

$(BUILD)/arenactl-client: $(CLIENT_OBJS) $(BUILD)/libarenad.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CLIENT)

# ---- running -------------------------------------------------------------

RUN_ARGS	?=
run: deps
	@$(MAKE) --no-print-directory all
	exec $(BUILD)/arenad $(RUN_ARGS)

# ---- installing ----------------------------------------------------------

DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCDIR		?= $(PREFIX)/include
DOCDIR		?= $(PREFIX)/share/doc/arenad
MANDIR		?= $(PREFIX)/share/man
# systemd searches /usr/local/lib/systemd/system as well as /usr/lib/...
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
INSTALL		?= install

VERSION		:= $(shell sed -n 's/.*ARENAD_VERSION "\(.*\)"/\1/p' daemon/version.h)
# Files that name install paths are generated at install time, for the
# PREFIX and directories of that install.
SUBST		= sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		      -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		      -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

install: all install-lib
	$(INSTALL) -D -m 0755 $(BUILD)/arenad $(DESTDIR)$(BINDIR)/arenad
	$(INSTALL) -D -m 0755 $(BUILD)/arenactl-client $(DESTDIR)$(BINDIR)/arenactl-client
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(SUBST) systemd/arenad.service.in > $(DESTDIR)$(UNITDIR)/arenad.service
	$(INSTALL) -D -m 0644 systemd/arenad.socket $(DESTDIR)$(UNITDIR)/arenad.socket
	$(INSTALL) -D -m 0644 systemd/arenad.sysusers $(DESTDIR)$(SYSUSERSDIR)/arenad.conf
	$(INSTALL) -D -m 0644 systemd/arenad.tmpfiles $(DESTDIR)$(TMPFILESDIR)/arenad.conf
	$(INSTALL) -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/docs
	$(INSTALL) -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	$(SUBST) man/arenactl-client.1.in > $(DESTDIR)$(MANDIR)/man1/arenactl-client.1
	$(SUBST) man/arenad.8.in > $(DESTDIR)$(MANDIR)/man8/arenad.8

install-lib: $(BUILD)/libarenad.a $(BUILD)/libarenad.so $(BUILD)/arenad.pc
	$(INSTALL) -D -m 0644 $(BUILD)/libarenad.a $(DESTDIR)$(LIBDIR)/libarenad.a
	$(INSTALL) -D -m 0755 $(BUILD)/libarenad.so.$(LIBARENAD_SOVER) $(DESTDIR)$(LIBDIR)/libarenad.so.$(LIBARENAD_SOVER)
	ln -sf libarenad.so.$(LIBARENAD_SOVER) $(DESTDIR)$(LIBDIR)/libarenad.so
	$(INSTALL) -D -m 0644 $(BUILD)/arenad.pc $(DESTDIR)$(LIBDIR)/pkgconfig/arenad.pc
	$(INSTALL) -D -m 0644 bpf/arenad_ledger.bpf.h $(DESTDIR)$(INCDIR)/arenad/arenad_ledger.bpf.h
	$(INSTALL) -D -m 0644 client/arenad.h $(DESTDIR)$(INCDIR)/arenad/arenad.h
	$(INSTALL) -D -m 0644 client/arenad_proto.h $(DESTDIR)$(INCDIR)/arenad/arenad_proto.h
	$(INSTALL) -D -m 0644 bpf/arenad_abi.h $(DESTDIR)$(INCDIR)/arenad/arenad_abi.h
	$(INSTALL) -D -m 0644 bpf/arenad.bpf.h $(DESTDIR)$(INCDIR)/arenad/arenad.bpf.h

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/arenad $(DESTDIR)$(BINDIR)/arenactl-client
	rm -f $(DESTDIR)$(UNITDIR)/arenad.service $(DESTDIR)$(UNITDIR)/arenad.socket
	rm -f $(DESTDIR)$(SYSUSERSDIR)/arenad.conf $(DESTDIR)$(TMPFILESDIR)/arenad.conf
	rm -f $(DESTDIR)$(LIBDIR)/libarenad.a $(DESTDIR)$(LIBDIR)/libarenad.so*
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/arenad.pc
	rm -f $(DESTDIR)$(MANDIR)/man1/arenactl-client.1 $(DESTDIR)$(MANDIR)/man8/arenad.8
	rm -rf $(DESTDIR)$(INCDIR)/arenad $(DESTDIR)$(DOCDIR)

# ---- tests ---------------------------------------------------------------

include tests/tests.mk
include examples/examples.mk

# ---- benchmarks (figures, not pass/fail) -------------------------------------

bench: deps
	@$(MAKE) --no-print-directory test-build
	python3 bench/census.py
	python3 bench/ledger.py

clean:
	rm -rf $(BUILD)
