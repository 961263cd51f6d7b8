# The tracer and fault-injection hooks, libzphook_trace.so and
# libzphook_inject.so (src/hooks/trace, src/hooks/inject), the code they
# share in src/common (trace*.c, decode/), the tables generated from the
# system headers, and the programs their tests run (tests/trace/tp-*.c).

# The per-call path runs in threads libc does not know: no stack-protector
# canaries (they read %fs), no CET notes that would bind the program.
# And no vector registers: the hooks declare ZPOLINE_HOOK_NO_XSTATE (the
# runtime then skips XSAVE/XRSTOR, about half a microsecond a call here), so
# everything they run per call is built with -mgeneral-regs-only and the
# string functions come from src/common/gprmem.c, not libc.
TRACE_CFLAGS := $(CFLAGS_BASE) -fvisibility=hidden -fno-stack-protector -fcf-protection=none \
	-Isrc/common/decode -mgeneral-regs-only -fno-tree-loop-distribute-patterns

$(B)/gen/trace_consts.c: tools/gen-trace-consts.sh tools/strace-names.txt
	@mkdir -p $(@D)
	sh tools/gen-trace-consts.sh $@ $(B)/gen/trace_consts.h $(CC)
$(B)/gen/trace_consts.h: $(B)/gen/trace_consts.c
	@test -f $@ || { rm -f $<; $(MAKE) $<; }

TRACE_HDR := $(wildcard src/common/trace*.h src/common/decode/*.h) src/common/raw.h \
	src/common/hooklibc.h src/common/gprfmt.h src/common/fdguard.h \
	src/common/syscall_table.h $(B)/gen/trace_consts.h
TRACE_COMMON := tracefmt traceopts traceinject traceclass traceout tracepending tracesecure fdguard
TRACE_DECODE := dbase dfile dfdinfo dmem dproc dptrace dnet dnetlink dnlroute dnldiag dmisc dsys dtable
TRACE_GEN_OBJ := $(B)/trace/trace_consts.o $(B)/trace/syscall_table.o
# Without libc (src/common/hooklibc.c): no second libc in every process.
HOOK_LIBC_OBJ := $(B)/trace/hooklibc.o $(B)/trace/gprfmt.o $(B)/trace/gprmem.o
TRACE_OBJ := $(TRACE_COMMON:%=$(B)/trace/%.o) $(TRACE_DECODE:%=$(B)/trace/%.o) $(TRACE_GEN_OBJ) \
	$(HOOK_LIBC_OBJ)
INJECT_OBJ := $(B)/trace/traceinject.o $(B)/trace/traceclass.o $(TRACE_GEN_OBJ) $(HOOK_LIBC_OBJ)

$(B)/trace/%.o: src/common/%.c $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TRACE_CFLAGS) -c $< -o $@
$(B)/trace/%.o: src/common/decode/%.c $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TRACE_CFLAGS) -c $< -o $@
$(B)/trace/trace_consts.o: $(B)/gen/trace_consts.c $(B)/gen/trace_consts.h
	@mkdir -p $(@D)
	$(CC) $(TRACE_CFLAGS) -c $< -o $@
$(B)/trace/syscall_table.o: $(B)/gen/syscall_table.c src/common/syscall_table.h
	@mkdir -p $(@D)
	$(CC) $(TRACE_CFLAGS) -c $< -o $@

HOOK_SRC_EXTRA_trace := $(TRACE_OBJ)
HOOK_SRC_EXTRA_inject := $(INJECT_OBJ)
HOOK_SRC_EXTRA_count := $(HOOK_LIBC_OBJ) $(B)/trace/fdguard.o
HOOK_LDLIBS_trace := -nostdlib -lgcc
HOOK_LDLIBS_inject := -nostdlib -lgcc
HOOK_LDLIBS_count := -nostdlib -lgcc -Wl,-z,defs
$(B)/libzphook_trace.so: $(TRACE_OBJ) $(TRACE_HDR)
$(B)/libzphook_inject.so: $(INJECT_OBJ) $(TRACE_HDR)
$(B)/libzphook_count.so: $(HOOK_LIBC_OBJ) $(B)/trace/fdguard.o src/common/hooklibc.h src/common/fdguard.h
$(B)/libzphook_trace.so $(B)/libzphook_inject.so: HOOK_CFLAGS += -fno-stack-protector \
	-fcf-protection=none -Isrc/common/decode -Wl,-z,defs -mgeneral-regs-only \
	-fno-tree-loop-distribute-patterns

trace-objs: $(TRACE_OBJ)
.PHONY: trace-objs

# Programs the trace tests run.
TRACE_PROG_SRC := $(wildcard tests/trace/tp-*.c)
TRACE_PROG_BIN := $(TRACE_PROG_SRC:tests/trace/%.c=$(B)/tests/progs/%)
$(B)/tests/progs/tp-%: tests/trace/tp-%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -lpthread
# tp-finish is the command's part: it links the finishing code itself.
TP_FINISH_OBJ := $(B)/trace/tracefinish.o $(B)/trace/traceout.o $(B)/trace/tracepending.o \
	$(B)/trace/tracefmt.o $(TRACE_GEN_OBJ)
$(B)/tests/progs/tp-finish: tests/trace/tp-finish.c $(TP_FINISH_OBJ) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TP_FINISH_OBJ)
$(B)/tests/progs/tp-lateline: tests/trace/tp-lateline.c $(TP_FINISH_OBJ) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TP_FINISH_OBJ)
$(B)/tests/progs/tp-sumholes: tests/trace/tp-sumholes.c $(TP_FINISH_OBJ) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TP_FINISH_OBJ)
$(B)/tests/progs/tp-threadtab: tests/trace/tp-threadtab.c $(TP_FINISH_OBJ) $(TRACE_HDR)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TP_FINISH_OBJ) -lpthread

all: $(TRACE_PROG_BIN)
