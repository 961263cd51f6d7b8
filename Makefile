# zpoline - build everything under build/.
#   make            runtime, hook libraries, command, test programs
#   make check      build and run every test; ends with "N passed, N failed"
#   make bench      benchmarks and their report (docs/performance.md)
#   make install    PREFIX=/usr/local DESTDIR=
# Components add themselves through mk/*.mk.

CC ?= cc
B := build
PREFIX ?= /usr/local
DESTDIR ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS_BASE := -std=gnu11 -O2 -g -fPIC $(WARN) -Iinclude -Isrc/common -I$(B)/gen
# The runtime runs inside other programs: no stack protector canaries that
# read %fs (a thread may not have libc TLS), and no assumptions about page 0.
RT_CFLAGS := $(CFLAGS_BASE) -fvisibility=hidden -fno-stack-protector \
	-fno-delete-null-pointer-checks -fno-strict-aliasing -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -fcf-protection=none
# Code on the hot path must leave the vector registers alone.
RT_GPR := -mgeneral-regs-only

all:

# Before anything is compiled: say exactly what is missing.
ifeq ($(filter setup clean,$(MAKECMDGOALS)),)
ifeq ($(wildcard /usr/include/Zydis/Zydis.h),)
$(error zpoline needs the Zydis decoder: sudo apt-get install libzydis-dev (or: sudo tools/setup.sh))
endif
# The runtime maps the decoder itself, the first time it needs it
# (src/runtime/decoder.c): it is named here, not linked.
ZYDIS_SO := $(shell $(CC) -print-file-name=libZydis.so)
ZYDIS_SONAME := $(shell objdump -p $(ZYDIS_SO) 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
ZYDIS_PATH := $(realpath $(dir $(ZYDIS_SO)))/$(ZYDIS_SONAME)
ifeq ($(ZYDIS_SONAME),)
$(error cannot find libZydis.so or its SONAME ($(ZYDIS_SO)): sudo apt-get install libzydis-dev binutils)
endif
endif

# setup: packages and vm.mmap_min_addr (tools/setup.sh).
setup:
	@tools/setup.sh --tests

# demo: the quick start's first command: trace a real program.
demo: all
	@tools/setup.sh
	@echo '$$ build/zpoline trace -f -- sh -c "ls / | wc -l"'
	@build/zpoline trace -f -- sh -c 'ls / | wc -l'

$(B)/gen/syscall_table.c: tools/gen-syscalls.sh tools/syscalls-extra.txt tools/syscall-nargs.txt
	@mkdir -p $(@D)
	sh tools/gen-syscalls.sh /usr/include/x86_64-linux-gnu/asm/unistd_64.h tools/syscalls-extra.txt \
		tools/syscall-nargs.txt > $@.tmp && mv $@.tmp $@

include mk/*.mk

.PHONY: all check clean install bench setup demo
clean:
	rm -rf $(B)
