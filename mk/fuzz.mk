# Fuzzing (docs/fuzzing.md): libFuzzer harnesses over the runtime's pure
# parsers, built with clang and ASan/UBSan.  Not part of `all`: clang's
# fuzzer runtime (libclang-rt-14-dev) is needed only here.
#   make fuzz                            build/fuzz/fuzz_*
#   make fuzz-run FUZZ_SECONDS=60        each harness for that long, in turn
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Isrc/common -Isrc/runtime -Itests/fuzz $(FUZZ_SAN)

# build/fuzz/fuzz_NAME: what fuzz-run and the short test run.  Known
# runtime bugs (docs/fuzzing.md) are tolerated there so that a run can go
# past them; build/fuzz/strict/fuzz_NAME has no such allowance (and the
# ehframe one calls ehframe.c on unsafe input too): it replays the
# reproducers in tests/fuzz/corpus/NAME-bugs/.
FUZZ_NAMES := finder ehframe
FUZZ_BIN := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%) $(FUZZ_NAMES:%=$(B)/fuzz/strict/fuzz_%)
FUZZ_DEPS := tests/fuzz/guard.h $(wildcard src/runtime/*.h) mk/fuzz.mk

# Drop these once the bugs are fixed.
FUZZ_KNOWN := -DZF_ALLOW_KNOWN_BUGS
FUZZ_KNOWN_SAN_ehframe := -fno-sanitize=shift-base,signed-integer-overflow

FUZZ_RT_finder := src/runtime/finder.c
FUZZ_LIBS_finder := -lZydis
FUZZ_RT_ehframe := src/runtime/ehframe.c

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) src/runtime/finder.c src/runtime/ehframe.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_KNOWN) -c -o $@.o $<
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_KNOWN_SAN_$*) -c -o $@-rt.o $(FUZZ_RT_$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $@.o $@-rt.o $(FUZZ_LIBS_$*)

$(B)/fuzz/strict/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) src/runtime/finder.c src/runtime/ehframe.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DZF_RAW -o $@ $< $(FUZZ_RT_$*) $(FUZZ_LIBS_$*)

fuzz: $(FUZZ_BIN)

fuzz-run: fuzz
	@rc=0; for n in $(FUZZ_NAMES); do \
		tests/fuzz/run.sh $(FUZZ_SECONDS) $$n || rc=1; \
	done; exit $$rc

.PHONY: fuzz fuzz-run
