# Fuzzing (docs/fuzzing.md): libFuzzer harnesses over the runtime's pure
# parsers, built with clang and ASan/UBSan.  Not part of `all`: clang's
# fuzzer runtime (libclang-rt-14-dev) is needed only here.
#   make fuzz                            build/fuzz/fuzz_*
#   make fuzz-run FUZZ_SECONDS=60        each harness for that long, in turn
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Isrc/common -Isrc/runtime -Itests/fuzz $(FUZZ_SAN)

FUZZ_NAMES := finder ehframe
FUZZ_BIN := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_DEPS := tests/fuzz/guard.h $(wildcard src/runtime/*.h) mk/fuzz.mk

FUZZ_RT_finder := src/runtime/finder.c src/runtime/insn.c $(B)/gen/x86len.c src/runtime/decoder.c src/runtime/solib.c src/runtime/log.c \
	src/common/gprfmt.c \
	-DZP_ZYDIS_PATH='"$(ZYDIS_PATH)"'
FUZZ_LIBS_finder := -lZydis
FUZZ_RT_ehframe := src/runtime/ehframe.c

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(B)/gen/x86len.c src/runtime/finder.c src/runtime/decoder.c \
	src/runtime/solib.c src/runtime/ehframe.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_RT_$*) $(FUZZ_LIBS_$*)

fuzz: $(FUZZ_BIN)

fuzz-run: fuzz
	@rc=0; for n in $(FUZZ_NAMES); do \
		tests/fuzz/run.sh $(FUZZ_SECONDS) $$n || rc=1; \
	done; exit $$rc

.PHONY: fuzz fuzz-run
