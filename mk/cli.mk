# The zpoline command: build/zpoline from src/cli/*.c, with the generated
# system call table linked in.  Test helpers: tests/cli/*.c become
# build/tests/progs/cli-*, tests/cli/static/*.c (linked -static)
# build/tests/progs/cli-static-*.  Install rules: mk/install.mk.
#
# The tracer's shared code (src/common/trace*.c: option and inject-spec
# parsers, zp_trace_finish) comes from an archive, so only what the command
# calls is linked; its constant tables are generated here with the tracer's
# own script (tools/gen-trace-consts.sh).

CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:src/cli/%.c=$(B)/cli/%.o) $(B)/cli/syscall_table.o
CLI_HDR := $(wildcard src/cli/*.h) src/common/syscall_table.h src/common/raw.h
CLI_DEFS := -I$(B)/cli/gen -DZP_ZYDIS_PATH='"$(ZYDIS_PATH)"'
CLI_TRACE_SRC := $(wildcard src/common/trace*.c)
CLI_TRACE_OBJ := $(CLI_TRACE_SRC:src/common/%.c=$(B)/cli/trace/%.o) $(B)/cli/trace/trace_consts.o
CLI_TRACE_LIB := $(B)/cli/libzptrace.a
CLI_HDR += $(wildcard src/common/*.h) $(B)/cli/gen/trace_consts.h

$(B)/cli/%.o: src/cli/%.c $(CLI_HDR) mk/cli.mk
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CLI_DEFS) -c $< -o $@

$(B)/cli/syscall_table.o: $(B)/gen/syscall_table.c src/common/syscall_table.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -c $< -o $@

$(B)/cli/gen/trace_consts.h: $(B)/cli/gen/trace_consts.c
$(B)/cli/gen/trace_consts.c: tools/gen-trace-consts.sh tools/strace-names.txt
	@mkdir -p $(@D)/new
	sh tools/gen-trace-consts.sh $(@D)/new/trace_consts.c $(@D)/new/trace_consts.h $(CC)
	mv $(@D)/new/trace_consts.h $(@D)/trace_consts.h
	mv $(@D)/new/trace_consts.c $@

$(B)/cli/trace/%.o: src/common/%.c $(CLI_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CLI_DEFS) -c $< -o $@

$(B)/cli/trace/trace_consts.o: $(B)/cli/gen/trace_consts.c $(B)/cli/gen/trace_consts.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CLI_DEFS) -c $< -o $@

$(B)/cli/libzptrace.a: $(CLI_TRACE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/zpoline: $(CLI_OBJ) $(CLI_TRACE_LIB)
	$(CC) -o $@ $(CLI_OBJ) $(CLI_TRACE_LIB)

CLI_TEST_SRC := $(wildcard tests/cli/*.c)
CLI_TEST_BIN := $(CLI_TEST_SRC:tests/cli/%.c=$(B)/tests/progs/cli-%)

$(B)/tests/progs/cli-%: tests/cli/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -o $@ $<

# Static programs: the ones LD_PRELOAD cannot reach.
CLI_STATIC_SRC := $(wildcard tests/cli/static/*.c)
CLI_TEST_BIN += $(CLI_STATIC_SRC:tests/cli/static/%.c=$(B)/tests/progs/cli-static-%)

$(B)/tests/progs/cli-static-%: tests/cli/static/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -static -o $@ $<

all: $(B)/zpoline $(CLI_TEST_BIN)
