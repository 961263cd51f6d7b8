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

$(B)/gen/syscall_table.c: tools/gen-syscalls.sh tools/syscalls-extra.txt
	@mkdir -p $(@D)
	sh tools/gen-syscalls.sh /usr/include/x86_64-linux-gnu/asm/unistd_64.h tools/syscalls-extra.txt > $@.tmp && mv $@.tmp $@

include mk/*.mk

.PHONY: all check clean install bench
clean:
	rm -rf $(B)
