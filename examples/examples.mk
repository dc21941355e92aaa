# Examples: each examples/NAME/ has NAME.bpf.c and a loader NAME.c, built
# into build/examples/NAME against libarenad. Included by the Makefile.

EXAMPLES	:= shared-counter xdp-udp arena-list
EXAMPLE_BINS	:= $(patsubst %,$(BUILD)/examples/%,$(EXAMPLES))

$(BUILD)/examples:
	@mkdir -p $@

define example_rules
$(BUILD)/bpf/$(1).bpf.o: examples/$(1)/$(1).bpf.c $(wildcard examples/$(1)/*.h bpf/*.h) $(BUILD)/vmlinux.h | $(BUILD)/bpf
	$$(CLANG) $$(BPF_CFLAGS) -Iexamples/$(1) -c $$< -o $$@.tmp.o
	$$(BPFTOOL) gen object $$@ $$@.tmp.o && rm -f $$@.tmp.o

$(BUILD)/examples/$(1): examples/$(1)/$(1).c $(wildcard examples/$(1)/*.h) $(BUILD)/$(1).skel.h $(BUILD)/libarenad.a | $(BUILD)/examples
	$$(CC) $$(CFLAGS) $$(PC_CFLAGS) -Iexamples/$(1) -o $$@ $$< $(BUILD)/libarenad.a $$(LDLIBS_CLIENT)
endef
$(foreach e,$(EXAMPLES),$(eval $(call example_rules,$(e))))

examples: $(EXAMPLE_BINS)

.PHONY: examples
