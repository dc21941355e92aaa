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

# The request path above the kernel seam (tests/fuzz/seam.c).
FUZZ_RPC_SRCS	:= daemon/rpc.c daemon/json_strict.c daemon/json_out.c daemon/methods.c \
		   daemon/methods_inventory.c daemon/scan.c daemon/bitmap.c daemon/log.c \
		   daemon/config.c lib/proto_json.c tests/fuzz/seam.c tests/fuzz/fuzz_rpc.c
FUZZ_REPLY_SRCS	:= $(LIB_SRCS) tests/fuzz/fuzz_reply.c
FUZZ_CONFIG_SRCS := daemon/config.c daemon/log.c tests/fuzz/fuzz_config.c

$(FUZZ)/obj/%.o: %.c | $(SKELS)
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DAEMON_CPPFLAGS) -Itests/fuzz $(PC_CFLAGS) -MMD -MP -c $< -o $@

fuzz_objs = $(patsubst %.c,$(FUZZ)/obj/%.o,$(1))

$(FUZZ)/fuzz_rpc: $(call fuzz_objs,$(FUZZ_RPC_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

$(FUZZ)/fuzz_reply: $(call fuzz_objs,$(FUZZ_REPLY_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LIBBPF_A) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null)

$(FUZZ)/fuzz_config: $(call fuzz_objs,$(FUZZ_CONFIG_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^

fuzz: $(FUZZ_BINS)

.PHONY: fuzz
