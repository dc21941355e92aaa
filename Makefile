# arenad — top-level Makefile
#
#   make            build build/arenad and build/arenactl-client
#   make run        install missing deps, build, run arenad in the foreground
#   make test       install missing deps, build, run every test (TAP via prove)
#   make bench      benchmarks (figures, not pass/fail)
#   make install    DESTDIR=, PREFIX= (default /usr/local)
#   make clean
#
# Generated files (vmlinux.h, BPF objects, skeletons) live in build/.

CC		?= gcc
CLANG		?= clang-19
LLVM_STRIP	?= llvm-strip-19
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
# libbpf is linked statically: Debian 12's shared libbpf is 1.1, too old.
LIBBPF_A	= $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
LDLIBS_DAEMON	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs libsystemd json-c 2>/dev/null)
LDLIBS_CLIENT	= $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Ibpf -I$(BUILD)

DAEMON_SRCS	:= $(wildcard daemon/*.c)
DAEMON_OBJS	:= $(patsubst daemon/%.c,$(BUILD)/daemon/%.o,$(DAEMON_SRCS))
CLIENT_LIB_SRCS	:= client/libarenad.c client/pins.c
CLIENT_LIB_OBJS	:= $(patsubst client/%.c,$(BUILD)/client/%.o,$(CLIENT_LIB_SRCS))
CLIENT_OBJS	:= $(BUILD)/client/arenactl.o
BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

.SECONDARY: $(BPF_OBJS)

.PHONY: all deps run test test-unit test-integration bench install uninstall clean

all: $(BUILD)/arenad $(BUILD)/arenactl-client

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

$(BUILD)/daemon/%.o: daemon/%.c $(wildcard daemon/*.h bpf/*.h) $(SKELS) | $(BUILD)/daemon
	$(CC) $(CFLAGS) $(PC_CFLAGS) -c $< -o $@

$(BUILD)/client/%.o: client/%.c $(wildcard client/*.h bpf/*.h) | $(BUILD)/client
	$(CC) $(CFLAGS) -fPIC $(PC_CFLAGS) -c $< -o $@

$(BUILD)/arenad: $(DAEMON_OBJS) $(BUILD)/client/pins.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DAEMON)

$(BUILD)/libarenad.a: $(CLIENT_LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/arenactl-client: $(CLIENT_OBJS) $(BUILD)/libarenad.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CLIENT)

# ---- running -------------------------------------------------------------

RUN_ARGS	?=
run: deps
	@$(MAKE) --no-print-directory all
	exec $(BUILD)/arenad $(RUN_ARGS)

# ---- tests ---------------------------------------------------------------

include tests/tests.mk

clean:
	rm -rf $(BUILD)
