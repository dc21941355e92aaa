# Benchmarks: included by the top-level Makefile. `make bench` builds the
# floors (programs that do only the unavoidable part of what arenad does)
# and runs every bench/*.py, each printing figures and ratios to a floor
# measured in the same run (bench/README.md). Nothing here asserts a time.

BENCH_SRCS	:= $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
BENCH_SKELS	:= $(patsubst bench/%.bpf.c,$(BUILD)/%.skel.h,$(wildcard bench/*.bpf.c))

$(BUILD)/bpf/%.bpf.o: bench/%.bpf.c $(BUILD)/vmlinux.h
	$(call bpf_object,$<)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libarenad.a | $(BENCH_SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iinclude/arenad -I$(BUILD) $(PC_CFLAGS) -o $@ $< \
		$(BUILD)/libarenad.a $(LDLIBS_CLIENT) -lpthread

# Built with the tests too, which check that each floor does the job that
# bench/README.md says it does (tests/integration/88-bench-floors.t).
test-build: $(BENCH_BINS)

bench-build: test-build

bench: deps
	@$(MAKE) --no-print-directory bench-build
	python3 bench/startup.py
	python3 bench/throughput.py
	python3 bench/census.py
	python3 bench/ledger.py
	python3 bench/metrics.py
	python3 bench/arenas.py
	python3 bench/objects.py

.PHONY: bench bench-build
