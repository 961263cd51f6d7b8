# libzpoline.so: the runtime.

RT_SRC_GPR := dispatch.c psud.c thread.c registry.c signals.c sigdefault.c log.c xstate.c altstack.c \
	procstatus.c detour.c pkru.c stubwin.c defer.c
RT_SRC := init.c trampoline.c hooks.c cpu.c maps.c ehframe.c finder.c rewrite.c cache.c report.c \
	watch.c sud.c exec.c textcache.c vdso.c decoder.c solib.c nullfault.c gotab.c unwind.c gdbjit.c \
	insn.c scan.c tier.c env.c
RT_OBJ := $(RT_SRC_GPR:%.c=$(B)/rt/%.o) $(RT_SRC:%.c=$(B)/rt/%.o) $(B)/rt/entry.o $(B)/rt/scanclone.o $(B)/rt/handlercall.o \
	$(B)/rt/syscall_table.o $(B)/rt/gprmem.o $(B)/rt/gprfmt.o $(B)/rt/gopclntab.o $(B)/rt/x86len.o \
	$(B)/rt/sled_image.o $(B)/rt/tracesecure.o
RT_HDR := $(wildcard src/runtime/*.h) include/zpoline.h src/common/raw.h src/common/gopclntab.h \
	src/common/ldheld.h src/common/elfstatic.h src/common/shebang.h

# Go's function table: shared with the loader (pure, no system calls).
$(B)/rt/gopclntab.o: src/common/gopclntab.c src/common/gopclntab.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -c $< -o $@

# Set-user-ID programs: shared with the tracer and the command.
$(B)/rt/tracesecure.o: src/common/tracesecure.c src/common/tracesecure.h src/common/raw.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -c $< -o $@

$(B)/rt/%.o: src/runtime/%.c $(RT_HDR)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(if $(filter $(notdir $<),$(RT_SRC_GPR)),$(RT_GPR)) -c $< -o $@

$(B)/rt/decoder.o: RT_CFLAGS += -DZP_ZYDIS_PATH='"$(ZYDIS_PATH)"'

$(B)/rt/entry.o: src/runtime/entry.S src/runtime/layout.h src/common/sysargs.h
	@mkdir -p $(@D)
	$(CC) -Isrc/runtime -Isrc/common -c $< -o $@

$(B)/rt/scanclone.o $(B)/rt/handlercall.o: $(B)/rt/%.o: src/runtime/%.S
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

# No libc string function may touch the vector registers on the hot path.
$(B)/rt/gprmem.o $(B)/rt/gprfmt.o: $(B)/rt/%.o: src/common/%.c src/common/gprfmt.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(RT_GPR) -c $< -o $@

# The quick instruction walker's tables, from Zydis itself (insn.h).
$(B)/gen/gen-x86len: tools/gen-x86len.c src/runtime/insn_class.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) -o $@ $< -lZydis
$(B)/gen/x86len.c: $(B)/gen/gen-x86len
	$(B)/gen/gen-x86len $@.tmp && mv $@.tmp $@
$(B)/rt/x86len.o: $(B)/gen/x86len.c src/runtime/insn.h src/runtime/insn_class.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(RT_GPR) -Isrc/runtime -c $< -o $@

# Page 0's sled, computed at build time (sled.c).
$(B)/gen/gen-sled: tools/gen-sled.c src/runtime/sled.c src/runtime/sled.h src/runtime/layout.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) -Isrc/runtime -o $@ tools/gen-sled.c src/runtime/sled.c
$(B)/gen/sled_image.c: $(B)/gen/gen-sled
	$(B)/gen/gen-sled $@.tmp && mv $@.tmp $@
$(B)/rt/sled_image.o: $(B)/gen/sled_image.c src/runtime/sled.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -Isrc/runtime -c $< -o $@

$(B)/rt/syscall_table.o: $(B)/gen/syscall_table.c src/common/syscall_table.h
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(RT_GPR) -c $< -o $@

$(B)/libzpoline.so: $(RT_OBJ)
	$(CC) -shared -Wl,-z,now -Wl,-z,noexecstack -Wl,--no-undefined -o $@.tmp $(RT_OBJ) -ldl
	tools/check-small-vars.sh $@.tmp
	mv $@.tmp $@

all: $(B)/libzpoline.so
