# Tests: tests/unit/test-*.c become build/tests/test-*; programs the tests
# run (tests/programs/*.c) become build/tests/progs/*.  `make check` runs
# tests/run, which prints "N passed, N failed".

TEST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Isrc/common -Isrc/runtime -I$(B)/gen -Itests/unit
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
PROG_SRC := $(wildcard tests/programs/*.c)
PROG_BIN := $(PROG_SRC:tests/programs/%.c=$(B)/tests/progs/%)

# Unit tests link the runtime's pure parts directly (not the .so).
UNIT_RT_OBJ := $(B)/rt/finder.o $(B)/rt/insn.o $(B)/rt/x86len.o $(B)/rt/decoder.o $(B)/rt/solib.o $(B)/rt/ehframe.o $(B)/rt/log.o \
	$(B)/rt/gprmem.o $(B)/rt/gprfmt.o

UNIT_OBJ_test-registry := $(B)/rt/registry.o
UNIT_OBJ_test-gopclntab := $(B)/rt/gopclntab.o
UNIT_OBJ_test-tracefmt := $(B)/trace/tracefmt.o
UNIT_OBJ_test-scan := $(B)/rt/scan.o $(B)/rt/scanclone.o $(B)/rt/procstatus.o $(B)/rt/maps.o

.SECONDEXPANSION:
$(B)/tests/test-%: tests/unit/test-%.c tests/unit/t.h $(UNIT_RT_OBJ) $$(UNIT_OBJ_test-%) $(B)/libzpoline.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(UNIT_RT_OBJ) $(UNIT_OBJ_test-$*) -lZydis -lpthread -ldl

$(B)/tests/progs/%: tests/programs/%.c tests/programs/check.h tests/programs/hookjump.h tests/programs/sendeach.h tests/programs/stepper.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(PROG_CFLAGS_$*) -o $@ $< -lpthread -ldl $(PROG_LDLIBS_$*)

# edgesig reads the runtime's stub window table by its kinds.
$(B)/tests/progs/edgesig: src/runtime/layout.h
# edgesig-split: its call split around the next instruction (a thread
# started before the runtime).
$(B)/tests/progs/edgesig-split: tests/programs/edgesig.c tests/programs/check.h tests/programs/stepper.h src/runtime/layout.h $(B)/tests/libs/libearly.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DEDGE_SPLIT -o $@ $< -lpthread -ldl -Wl,--no-as-needed $(PROG_LDLIBS_earlythread)
PROG_BIN += $(B)/tests/progs/edgesig-split

# sigunwind: pthread_cleanup_push as an unwinder cleanup, names from dladdr.
PROG_CFLAGS_sigunwind := -fexceptions -rdynamic
# The same without -fexceptions: glibc loads libgcc's unwinder late.
$(B)/tests/progs/sigunwind-late: tests/programs/sigunwind.c tests/programs/check.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -rdynamic -DLATE_UNWINDER -o $@ $< -lpthread -ldl
PROG_BIN += $(B)/tests/progs/sigunwind-late
# faultbt: names from dladdr.
PROG_CFLAGS_faultbt := -rdynamic
PROG_CFLAGS_unknownsite := -s -Wl,--no-eh-frame-hdr
# nullread as an SBCL runtime looks to nullfault.c (its exported symbol).
$(B)/tests/progs/nullread-sbcl: tests/programs/nullread.c tests/programs/check.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -rdynamic -DSBCL_LIKE -o $@ $< -lpthread -ldl
PROG_BIN += $(B)/tests/progs/nullread-sbcl
# ... and as Wine's loader, which reserves the low 2 GiB once it runs.
$(B)/tests/progs/nullread-wine: tests/programs/nullread.c tests/programs/check.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -rdynamic -DWINE_LIKE -o $@ $< -lpthread -ldl
PROG_BIN += $(B)/tests/progs/nullread-wine
# earlythread: linked to libearly.so, whose initializer starts a thread.
$(B)/tests/progs/earlythread: $(B)/tests/libs/libearly.so
PROG_LDLIBS_earlythread := -L$(B)/tests/libs -learly -Wl,-rpath,$(abspath $(B)/tests/libs)
# earlywait: linked to libearlywait.so, whose initializer starts threads
# that block in system calls.
$(B)/tests/progs/earlywait: $(B)/tests/libs/libearlywait.so
PROG_LDLIBS_earlywait := -L$(B)/tests/libs -learlywait -Wl,-rpath,$(abspath $(B)/tests/libs)
# gapcall-early: gapcall with a thread started before the runtime.
$(B)/tests/progs/gapcall-early: tests/programs/gapcall.c tests/programs/check.h $(B)/tests/libs/libearly.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DEARLY -o $@ $< -lpthread -ldl $(PROG_LDLIBS_earlythread)
PROG_BIN += $(B)/tests/progs/gapcall-early
# padcall-early: padcall with a thread started before the runtime, which
# calls the program's early_call() (exported for libearly.so).
$(B)/tests/progs/padcall-early: tests/programs/padcall.c tests/programs/check.h $(B)/tests/libs/libearly.so
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DEARLY -rdynamic -o $@ $< -lpthread -ldl $(PROG_LDLIBS_earlythread)
PROG_BIN += $(B)/tests/progs/padcall-early
# rodatapairs: read-only data in the code's segment.
PROG_CFLAGS_rodatapairs := -Wl,-z,noseparate-code

tests: $(UNIT_BIN) $(PROG_BIN)
all: tests

check: all
	@tools/setup.sh --tests
	tests/run

.PHONY: tests

# Hook libraries used only by tests: tests/hooks/<name>.c -> build/tests/libzphook_<name>.so
TEST_HOOK_SRC := $(wildcard tests/hooks/*.c)
TEST_HOOK_LIBS := $(TEST_HOOK_SRC:tests/hooks/%.c=$(B)/tests/libzphook_%.so)
TEST_HOOK_CFLAGS_faketime := -mgeneral-regs-only
TEST_HOOK_CFLAGS_sigjump := -mgeneral-regs-only
$(B)/tests/libzphook_%.so: tests/hooks/%.c include/zpoline.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -fPIC -shared $(TEST_HOOK_CFLAGS_$*) -o $@ $<
tests: $(TEST_HOOK_LIBS)

# Shared libraries the test programs load: tests/libs/<name>.c -> build/tests/libs/<name>.so
TEST_LIB_SRC := $(wildcard tests/libs/*.c)
TEST_LIBS := $(TEST_LIB_SRC:tests/libs/%.c=$(B)/tests/libs/%.so)
$(B)/tests/libs/%.so: tests/libs/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -fPIC -shared -o $@ $<
tests: $(TEST_LIBS)

# gonil: a Go program recovering from nil-pointer panics (test-detour);
# optional, as Go is (its test skips without it).
GO_TOOL ?= $(shell command -v go 2>/dev/null)
ifneq ($(GO_TOOL),)
$(B)/tests/progs/gonil: tests/programs/gonil.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -o $(abspath $@) $(<F)
tests: $(B)/tests/progs/gonil
endif
