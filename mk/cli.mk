# The zpoline command: build/zpoline from src/cli/*.c, with the generated
# system call table linked in.  Test helpers: tests/cli/*.c become
# build/tests/progs/cli-*.  Install rules: mk/install.mk.

CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:src/cli/%.c=$(B)/cli/%.o) $(B)/cli/syscall_table.o
CLI_HDR := $(wildcard src/cli/*.h) src/common/syscall_table.h src/common/raw.h

$(B)/cli/%.o: src/cli/%.c $(CLI_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -c $< -o $@

$(B)/cli/syscall_table.o: $(B)/gen/syscall_table.c src/common/syscall_table.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -c $< -o $@

$(B)/zpoline: $(CLI_OBJ)
	$(CC) -o $@ $(CLI_OBJ)

CLI_TEST_SRC := $(wildcard tests/cli/*.c)
CLI_TEST_BIN := $(CLI_TEST_SRC:tests/cli/%.c=$(B)/tests/progs/cli-%)

$(B)/tests/progs/cli-%: tests/cli/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -o $@ $<

all: $(B)/zpoline $(CLI_TEST_BIN)
