# arenad — top-level Makefile
#
#   make            build/arenad, build/arenactl-client, build/libarenad.{a,so}
#   make run        install missing deps, build, run arenad in the foreground
#                   (in a guest kernel when this one refuses arenas)
#   make vm-shell   a shell in that guest
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
# The BPF target architecture, from the host (x86_64 -> x86, aarch64 -> arm64).
ARCH		?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
			-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')

# `make V=1` prints every command.
ifeq ($(V),1)
Q		:=
msg		:= @true
else
Q		:= @
msg		= @printf '  %-8s %s\n' $(1) $(2);
endif

# A recipe that fails leaves no half-written target behind.
.DELETE_ON_ERROR:

# CFLAGS given on the command line replace these defaults; the warnings,
# the standard and the include paths below are added either way.
CFLAGS		?= -O2 -g
# `make SANITIZE=1`: the daemon, libarenad and the tools with ASan and
# UBSan, in their own tree (build/sanitize) so the normal build is kept;
# the sanitizer flags are added to CFLAGS and LDFLAGS given on the command
# line. tests/sanitize/ runs integration tests against it.
ifeq ($(SANITIZE),1)
BUILD		:= build/sanitize
SANITIZE_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
override CFLAGS	+= $(SANITIZE_FLAGS)
override LDFLAGS += $(SANITIZE_FLAGS)
endif
override CFLAGS	+= -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		   -Werror=implicit-function-declaration -D_GNU_SOURCE -MMD -MP
DEPS_PC		:= libbpf libsystemd json-c libmicrohttpd
PC_CFLAGS	= $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
# Programs link libbpf statically: they keep working if the system's
# shared libbpf is older than the 1.4 arenas need (Debian 12's own is 1.1).
LIBBPF_A	= $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
# libmicrohttpd is not linked: the daemon dlopen()s it for a metrics
# listener (daemon/metrics/http_lib.h); its headers come with DEPS_PC's cflags.
LDLIBS_DAEMON	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs libsystemd json-c 2>/dev/null)
LDLIBS_CLIENT	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

# Who may include whom, one line per part (docs/architecture.md draws it):
#   include/arenad/  the installed headers: libarenad's API and the BPF ABI
#   lib/             libarenad             -> include/arenad
#   client/          arenactl-client       -> include/arenad (links libarenad)
#   bpf/             the daemon's programs -> include/arenad
#   daemon/          arenad                -> include/arenad, lib, bpf, skeletons
LIB_CPPFLAGS	:= -Iinclude/arenad -Ilib
CLIENT_CPPFLAGS	:= -Iinclude/arenad
DAEMON_CPPFLAGS	:= -Iinclude/arenad -Ilib -Ibpf -Idaemon -Idaemon/basic -Idaemon/rpc -Idaemon/arena \
		   -Idaemon/census -Idaemon/metrics -Idaemon/methods -Idaemon/events -Idaemon/tenants \
		   -I$(BUILD)
BPF_CPPFLAGS	:= -Iinclude/arenad -Ibpf -I$(BUILD)

BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -MMD -MP

DAEMON_SRCS	:= $(wildcard daemon/*.c daemon/*/*.c)
DAEMON_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
LIB_SRCS	:= $(wildcard lib/*.c)
LIB_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
CLIENT_SRCS	:= $(wildcard client/*.c)
CLIENT_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(CLIENT_SRCS))
BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
PUBLIC_HEADERS	:= $(wildcard include/arenad/*.h)

VERSION		:= $(shell sed -n 's/^\#define ARENAD_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\)/\2/p' \
			include/arenad/arenad_version.h | paste -sd.)

# arenad-client.pc adds json-c for the socket calls. The -uninstalled.pc
# pair lets loaders build against this tree (PKG_CONFIG_PATH=build).
PC_FILES	:= $(BUILD)/arenad-client.pc $(BUILD)/arenad-uninstalled.pc \
		   $(BUILD)/arenad-client-uninstalled.pc

# Keep generated objects and skeletons: they are cheap to keep, slow to redo.
.SECONDARY:

.PHONY: all deps run vm-shell test test-unit test-integration bench install install-lib uninstall clean FORCE

MAN_PAGES	:= $(patsubst man/%.in,$(BUILD)/man/%,$(wildcard man/*.in))

all: $(BUILD)/arenad $(BUILD)/arenactl-client $(BUILD)/libarenad.so $(BUILD)/arenad.pc $(PC_FILES) $(MAN_PAGES)

deps:
	@bash scripts/deps.sh

$(BUILD):
	@mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# The one recipe for every BPF object (the daemon's, the tests', the
# examples'): $(1) is the source, $(2) extra include paths. Objects are
# linked through bpftool so that __weak maps from shared headers merge.
define bpf_object
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BPF_CPPFLAGS) $(2) -MF $@.d -MT $@ -c $(1) -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o
endef

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h
	$(call bpf_object,$<)

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/daemon/%.o: daemon/%.c | $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DAEMON_CPPFLAGS) $(PC_CFLAGS) -c $< -o $@

$(BUILD)/lib/%.o: lib/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -fvisibility=hidden $(LIB_CPPFLAGS) $(PC_CFLAGS) -c $< -o $@

$(BUILD)/client/%.o: client/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CLIENT_CPPFLAGS) $(PC_CFLAGS) -c $< -o $@

$(BUILD)/arenad: $(DAEMON_OBJS) $(BUILD)/libarenad.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DAEMON)

$(BUILD)/libarenad.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The shared library exports only what lib/libarenad.map lists (one version
# node per release; lib objects are compiled -fvisibility=hidden and the API
# is marked LIBARENAD_API) and links the shared libbpf, which the deps step
# installs at >= 1.4 with libbpf-dev.
LIBARENAD_SOVER	:= 0
$(BUILD)/libarenad.so.$(LIBARENAD_SOVER): $(LIB_OBJS) lib/libarenad.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libarenad.so.$(LIBARENAD_SOVER) \
		-Wl,--version-script=lib/libarenad.map -o $@ $(LIB_OBJS) \
		$(shell $(PKG_CONFIG) --libs libbpf json-c 2>/dev/null)

$(BUILD)/libarenad.so: $(BUILD)/libarenad.so.$(LIBARENAD_SOVER)
	$(Q)ln -sf $(notdir $<) $@

# The pkg-config file names install paths, so it is made for this PREFIX
# (LIBDIR, INCDIR) on every run, and rewritten only when that changes.
$(BUILD)/%.pc: lib/%.pc.in FORCE | $(BUILD)
	@$(SUBST) $< > $@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Man pages with their placeholders filled for this PREFIX, readable
# before installing: man -l build/man/arenactl-client.1
$(BUILD)/man/%: man/%.in FORCE
	@mkdir -p $(@D)
	@$(SUBST) $< > $@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

FORCE:

$(BUILD)/arenactl-client: $(CLIENT_OBJS) $(BUILD)/libarenad.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CLIENT)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- running -------------------------------------------------------------

# On a kernel that refuses arenad's arena (`arenad --check` says why),
# arenad runs in a Debian 6.18 guest under QEMU instead, with its socket
# relayed to this machine; `make vm-shell` is a shell in that guest
# (tests/vm/README.md). ARENAD_RUN_KERNEL=host|6.12|6.18|7.2 forces one.
RUN_ARGS	?=
run: deps
	@$(MAKE) --no-print-directory all
	exec tests/vm/guest.py serve -- $(RUN_ARGS)

vm-shell:
	@tests/vm/guest.py shell

# ---- installing ----------------------------------------------------------

DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCDIR		?= $(PREFIX)/include
DOCDIR		?= $(PREFIX)/share/doc/arenad
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share
# The monitoring mixin: Prometheus rules and a Grafana dashboard
# (docs/monitoring.md), for the operator to point Prometheus and Grafana at.
MIXINDIR	?= $(DATADIR)/arenad/monitoring
MIXIN_FILES	:= $(wildcard monitoring/*.yml monitoring/*.json)
# systemd searches /usr/local/lib/systemd/system as well as /usr/lib/...
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
INSTALL		?= install
# Shell completions: bash where bash-completion's pkg-config file says,
# moved under PREFIX; zsh where Debian's zsh looks (vendor-completions for
# /usr, site-functions elsewhere).
BASH_COMPDIR	?= $(strip $(or $(shell $(PKG_CONFIG) --define-variable=datadir=$(PREFIX)/share \
			--variable=completionsdir bash-completion 2>/dev/null), \
			$(PREFIX)/share/bash-completion/completions))
ZSH_COMPDIR	?= $(strip $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions, \
			$(PREFIX)/share/zsh/site-functions))

# Files that name install paths are generated at install time, for the
# PREFIX and directories of that install.
SUBST		= sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		      -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		      -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		      -e 's|@BASHCOMPDIR@|$(BASH_COMPDIR)|g' -e 's|@ZSHCOMPDIR@|$(ZSH_COMPDIR)|g' \
		      -e 's|@MIXINDIR@|$(MIXINDIR)|g'

install: all install-lib
	$(INSTALL) -D -m 0755 $(BUILD)/arenad $(DESTDIR)$(BINDIR)/arenad
	$(INSTALL) -D -m 0755 $(BUILD)/arenactl-client $(DESTDIR)$(BINDIR)/arenactl-client
	$(INSTALL) -D -m 0644 client/complete/arenactl-client.bash $(DESTDIR)$(BASH_COMPDIR)/arenactl-client
	$(INSTALL) -D -m 0644 client/complete/_arenactl-client $(DESTDIR)$(ZSH_COMPDIR)/_arenactl-client
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(SUBST) systemd/arenad.service.in > $(DESTDIR)$(UNITDIR)/arenad.service
	$(INSTALL) -D -m 0644 systemd/arenad.socket $(DESTDIR)$(UNITDIR)/arenad.socket
	$(SUBST) systemd/arenad-metrics.socket > $(DESTDIR)$(UNITDIR)/arenad-metrics.socket
	$(SUBST) systemd/arenad-textfile.service.in > $(DESTDIR)$(UNITDIR)/arenad-textfile.service
	$(SUBST) systemd/arenad-textfile.timer > $(DESTDIR)$(UNITDIR)/arenad-textfile.timer
	$(INSTALL) -D -m 0644 systemd/arenad.sysusers $(DESTDIR)$(SYSUSERSDIR)/arenad.conf
	$(INSTALL) -D -m 0644 systemd/arenad.tmpfiles $(DESTDIR)$(TMPFILESDIR)/arenad.conf
	$(INSTALL) -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/docs
	$(INSTALL) -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -d $(DESTDIR)$(MIXINDIR)
	$(INSTALL) -m 0644 $(MIXIN_FILES) $(DESTDIR)$(MIXINDIR)/
	@# man/NAME.S.in becomes MANDIR/manS/NAME.S, filled for this PREFIX
	for p in $(wildcard man/*.in); do n=$$(basename $$p .in); s=$${n##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(SUBST) $$p > $(DESTDIR)$(MANDIR)/man$$s/$$n || exit 1; done

install-lib: $(BUILD)/libarenad.a $(BUILD)/libarenad.so $(BUILD)/arenad.pc $(BUILD)/arenad-client.pc
	$(INSTALL) -D -m 0644 $(BUILD)/libarenad.a $(DESTDIR)$(LIBDIR)/libarenad.a
	$(INSTALL) -D -m 0755 $(BUILD)/libarenad.so.$(LIBARENAD_SOVER) $(DESTDIR)$(LIBDIR)/libarenad.so.$(LIBARENAD_SOVER)
	ln -sf libarenad.so.$(LIBARENAD_SOVER) $(DESTDIR)$(LIBDIR)/libarenad.so
	$(INSTALL) -D -m 0644 $(BUILD)/arenad.pc $(DESTDIR)$(LIBDIR)/pkgconfig/arenad.pc
	$(INSTALL) -D -m 0644 $(BUILD)/arenad-client.pc $(DESTDIR)$(LIBDIR)/pkgconfig/arenad-client.pc
	$(INSTALL) -d $(DESTDIR)$(INCDIR)/arenad
	$(INSTALL) -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCDIR)/arenad/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/arenad $(DESTDIR)$(BINDIR)/arenactl-client
	rm -f $(DESTDIR)$(BASH_COMPDIR)/arenactl-client $(DESTDIR)$(ZSH_COMPDIR)/_arenactl-client
	rm -f $(DESTDIR)$(UNITDIR)/arenad.service $(DESTDIR)$(UNITDIR)/arenad.socket
	rm -f $(DESTDIR)$(UNITDIR)/arenad-metrics.socket $(DESTDIR)$(UNITDIR)/arenad-textfile.service \
	      $(DESTDIR)$(UNITDIR)/arenad-textfile.timer
	rm -f $(DESTDIR)$(SYSUSERSDIR)/arenad.conf $(DESTDIR)$(TMPFILESDIR)/arenad.conf
	rm -f $(DESTDIR)$(LIBDIR)/libarenad.a $(DESTDIR)$(LIBDIR)/libarenad.so*
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/arenad.pc $(DESTDIR)$(LIBDIR)/pkgconfig/arenad-client.pc
	rm -f $(DESTDIR)$(MANDIR)/man1/arenactl-client.1 $(DESTDIR)$(MANDIR)/man8/arenad.8 \
	      $(DESTDIR)$(MANDIR)/man3/libarenad.3
	rm -rf $(DESTDIR)$(INCDIR)/arenad $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/arenad

# ---- tests ---------------------------------------------------------------

include tests/tests.mk
include examples/examples.mk

include bench/bench.mk

clean:
	rm -rf $(BUILD)
