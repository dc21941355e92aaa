# Fuzzing: included by tests/tests.mk.
#
#   make fuzz      libFuzzer harnesses in build/fuzz/ (clang, ASan + UBSan)
#
# The suite runs each briefly (tests/fuzz/fuzz.t); docs/fuzzing.md says how
# to run them long. The harnesses compile the daemon's and libarenad's own
# sources with the sanitizers, into build/fuzz/, apart from the normal build.

FUZZ_CC		?= clang-19
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	:= -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		   -std=gnu11 -D_GNU_SOURCE -Wall -Wno-unused-parameter
FUZZ_LDFLAGS	:= $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ		:= $(BUILD)/fuzz
FUZZ_BINS	:= $(FUZZ)/fuzz_rpc $(FUZZ)/fuzz_reply $(FUZZ)/fuzz_config

# The request path above the kernel seam: every daemon and libarenad
# source but main.c, with tests/fuzz/seam.c linked first. Its definitions
# (the pins API, census, server deferral, inventory) win over the real
# ones (--allow-multiple-definition), so new daemon files need no change
# here unless they reach the kernel on the request path.
FUZZ_RPC_SRCS	:= tests/fuzz/seam.c tests/fuzz/fuzz_rpc.c \
		   $(filter-out daemon/main.c,$(DAEMON_SRCS)) $(LIB_SRCS)
FUZZ_REPLY_SRCS	:= $(LIB_SRCS) tests/fuzz/fuzz_reply.c
FUZZ_CONFIG_SRCS := daemon/config.c daemon/basic/log.c tests/fuzz/fuzz_config.c

$(FUZZ)/obj/%.o: %.c | $(SKELS)
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DAEMON_CPPFLAGS) -Itests/fuzz $(PC_CFLAGS) -MMD -MP -c $< -o $@

fuzz_objs = $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))

$(FUZZ)/fuzz_rpc: $(call fuzz_objs,$(FUZZ_RPC_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -Wl,--allow-multiple-definition -o $@ $^ $(LDLIBS_DAEMON)

$(FUZZ)/fuzz_reply: $(call fuzz_objs,$(FUZZ_REPLY_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

$(FUZZ)/fuzz_config: $(call fuzz_objs,$(FUZZ_CONFIG_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^

fuzz: $(FUZZ_BINS)

.PHONY: fuzz
