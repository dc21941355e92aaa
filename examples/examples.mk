# Examples: each examples/NAME/ has NAME.bpf.c and a loader NAME.c, built
# into build/examples/NAME against libarenad. Included by the Makefile.

EXAMPLES	:= shared-counter xdp-udp arena-list
EXAMPLE_BINS	:= $(patsubst %,$(BUILD)/examples/%,$(EXAMPLES))

define example_rules
$(BUILD)/bpf/$(1).bpf.o: examples/$(1)/$(1).bpf.c $(BUILD)/vmlinux.h
	$$(call bpf_object,$$<,-Iexamples/$(1))

$(BUILD)/examples/$(1): examples/$(1)/$(1).c $(BUILD)/$(1).skel.h $(BUILD)/libarenad.a
	$$(call msg,CC,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CFLAGS) -Iinclude/arenad -Iexamples/$(1) -I$(BUILD) $$(PC_CFLAGS) -MF $$@.d -o $$@ $$< $(BUILD)/libarenad.a $$(LDLIBS_CLIENT)
endef
$(foreach e,$(EXAMPLES),$(eval $(call example_rules,$(e))))

examples: $(EXAMPLE_BINS)

.PHONY: examples
