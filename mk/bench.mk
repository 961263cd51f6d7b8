# Benchmarks: the programs under bench/ are built with everything else (so
# they keep compiling); `make bench` / `make bench-quick` run them and write
# bench/results/*.csv and docs/performance.md (see bench/run.sh).

BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -Isrc/common
BENCH_BIN := $(B)/bench/percall $(B)/bench/ptrace-tracer $(B)/bench/spawn-time \
	$(B)/bench/threads-io $(B)/bench/machine-costs $(B)/bench/libzphook_origin.so \
	$(B)/bench/insn-speed $(B)/bench/signal-pc $(B)/bench/xmc-tear

$(B)/bench/percall: bench/percall.c bench/percall-asm.S
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/percall.c bench/percall-asm.S

$(B)/bench/ptrace-tracer: bench/ptrace-tracer.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(B)/bench/spawn-time: bench/spawn-time.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(B)/bench/machine-costs: bench/machine-costs.c bench/timing.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

# The finder's instruction reading, linked with the runtime's objects.
$(B)/bench/insn-speed: bench/insn-speed.c bench/timing.h $(B)/rt/finder.o $(B)/rt/insn.o $(B)/rt/x86len.o \
	$(B)/rt/decoder.o $(B)/rt/solib.o $(B)/rt/log.o $(B)/rt/gprmem.o $(B)/rt/gprfmt.o
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -Isrc/runtime -o $@ $(filter-out %.h,$^) -lZydis -ldl

$(B)/bench/signal-pc: bench/signal-pc.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -pthread -o $@ $<

$(B)/bench/xmc-tear: bench/xmc-tear.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -pthread -o $@ $<

$(B)/bench/threads-io: bench/threads-io.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -pthread -o $@ $<

$(B)/bench/libzphook_origin.so: bench/origin-hook.c include/zpoline.h
	@mkdir -p $(@D)
	$(CC) $(HOOK_CFLAGS) -mgeneral-regs-only -shared -o $@ $<

all: $(BENCH_BIN)

# Both run on whatever `all` builds from the working tree; the report
# records the commit and whether the runtime's sources differ from it.
bench: all
	bench/run.sh full

bench-quick: all
	bench/run.sh quick

.PHONY: bench bench-quick

# Checks that the benchmark tools work (results, exit codes, the report's
# arithmetic); asserts nothing about timing.
bench-selftest: all
	bench/selftest.sh

.PHONY: bench-selftest
