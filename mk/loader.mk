# zpoline-loader: runs static programs (and, with --from-start, dynamic ones
# together with their ld.so) under zpoline from their first instruction.
# docs/loader.md.  Its tests' programs: build/tests/loader/.
LOADER_SRC := $(wildcard src/loader/*.c)
LOADER_ASM := $(wildcard src/loader/*.S)
LOADER_OBJ := $(LOADER_SRC:src/loader/%.c=$(B)/loader/%.o) \
	$(LOADER_ASM:src/loader/%.S=$(B)/loader/%.o) $(B)/loader/gopclntab.o

$(B)/loader/%.o: src/loader/%.c src/loader/loader.h src/common/gopclntab.h src/common/ldheld.h \
	src/common/elfstatic.h src/common/shebang.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -c $< -o $@

# Go's function table, shared with the runtime.
$(B)/loader/gopclntab.o: src/common/gopclntab.c src/common/gopclntab.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -c $< -o $@

$(B)/loader/%.o: src/loader/%.S src/common/sysargs.h
	@mkdir -p $(@D)
	$(CC) -Isrc/common -c $< -o $@

# A PIE, so it never sits where a static program wants to be (0x400000);
# zpoline_loader_program is exported for the runtime's dlsym.
$(B)/zpoline-loader: $(LOADER_OBJ)
	$(CC) -pie -Wl,-z,now -Wl,-z,noexecstack -Wl,--export-dynamic-symbol=zpoline_loader_program \
		-o $@ $(LOADER_OBJ) -ldl

all: $(B)/zpoline-loader

# ---- test programs -------------------------------------------------------
LT := $(B)/tests/loader
LOADER_TEST_PROGS := $(LT)/ident-static $(LT)/ident-static-pie $(LT)/ident-static-bare $(LT)/dyn \
	$(LT)/regs $(LT)/nullread-static-bare

$(LT)/ident-static: tests/loader/progs/ident.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static -o $@ $< -lpthread

$(LT)/ident-static-pie: tests/loader/progs/ident.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static-pie -o $@ $< -lpthread

# Stripped of its symbols and unwind tables: no function boundaries at all.
$(LT)/ident-static-bare: $(LT)/ident-static
	objcopy --strip-all -R .eh_frame -R .eh_frame_hdr -R .gcc_except_table $< $@

$(LT)/nullread-static-bare: tests/programs/nullread.c tests/programs/check.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static -o $@.full $<
	objcopy --strip-all -R .eh_frame -R .eh_frame_hdr -R .gcc_except_table $@.full $@
	rm -f $@.full

$(LT)/dyn: tests/loader/progs/dyn.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl

# No libc, no start files: _start checks the registers the loader left.
$(LT)/regs: tests/loader/progs/regs.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -static -nostdlib -fno-stack-protector -o $@ $<

# Go (Debian's golang-go) is optional: without it the Go test skips.
GO_TOOL := $(shell command -v go 2>/dev/null)
ifneq ($(GO_TOOL),)
$(LT)/gohello: tests/loader/progs/gohello.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -o $(abspath $@) $(<F)
# Stripped (-s: no symbol table): only Go's function table says where its
# functions are.
$(LT)/gohello-stripped: tests/loader/progs/gohello.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=0 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -ldflags=-s -o $(abspath $@) $(<F)
LOADER_TEST_PROGS += $(LT)/gohello $(LT)/gohello-stripped
# Dynamic and stripped: the runtime (LD_PRELOAD) finds Go's own raw calls
# through Go's function table alone.  Linked by the C linker (an unwind
# table for the C start files only, Go's code in a gap of it), and a PIE
# (the table in .data.rel.ro.gopclntab, relocated by ld.so).  cgo needs a
# C compiler; without one these are not built and their test skips.
CGO_CC := $(shell command -v $(CC) 2>/dev/null)
ifneq ($(CGO_CC),)
$(LT)/gohello-ext: tests/loader/progs/gohello.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=1 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -ldflags='-s -w -linkmode=external' -o $(abspath $@) $(<F)
$(LT)/gohello-pie: tests/loader/progs/gohello.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=1 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -buildmode=pie -ldflags='-s -w' -o $(abspath $@) $(<F)
LOADER_TEST_PROGS += $(LT)/gohello-ext $(LT)/gohello-pie
# A Go library (c-shared, stripped) and a C program that uses it, linked
# or through dlopen (the library is only needed at run time then).
$(LT)/libgolib.so: tests/loader/progs/golib.go
	@mkdir -p $(@D)
	cd $(<D) && CGO_ENABLED=1 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		$(GO_TOOL) build -buildmode=c-shared -ldflags='-s -w' -o $(abspath $@) $(<F)
	rm -f $(LT)/libgolib.h
$(LT)/gouse: tests/loader/progs/gouse.c $(LT)/libgolib.so
	$(CC) $(TEST_CFLAGS) -DLINKED -o $@ $< -L$(LT) -lgolib -Wl,-rpath,'$$ORIGIN'
$(LT)/gouse-dl: tests/loader/progs/gouse.c
	$(CC) $(TEST_CFLAGS) -o $@ $< -ldl
LOADER_TEST_PROGS += $(LT)/libgolib.so $(LT)/gouse $(LT)/gouse-dl
endif
endif

# The count hook's table without libc at the end (see the file).
$(LT)/libzphook_rawcount.so: tests/loader/hooks/rawcount.c include/zpoline.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -fPIC -shared -mgeneral-regs-only -o $@ $<
LOADER_TEST_PROGS += $(LT)/libzphook_rawcount.so

tests: $(LOADER_TEST_PROGS) $(B)/zpoline-loader
