# Sanitizer builds (docs/fuzzing.md, "Sanitizer builds"): the hook libraries
# and the zpoline command with ASan and UBSan, in build/asan/.  Not part of
# `all`.  The runtime (libzpoline.so) is not instrumented: it runs where no
# sanitizer runtime can (on the program's threads before libc is set up, in
# signal handlers, on its own stacks).
#   make sanitize           build/asan/libzphook_<name>.so, build/asan/zpoline,
#                           and the canary hook that proves reports get out
#   tests/sanitize/run.sh   the hook and command tests against those builds
SAN_CC ?= $(CC)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_CFLAGS := $(filter-out -O2,$(CFLAGS_BASE)) -O1 $(SAN_FLAGS)

SAN_HOOK_LIBS := $(HOOK_NAMES:%=$(B)/asan/libzphook_%.so) $(B)/asan/libzphook_canary.so

define san_hook_rule
$(B)/asan/libzphook_$(1).so: $(wildcard src/hooks/$(1)/*.c src/hooks/$(1)/*.h) include/zpoline.h $$(HOOK_EXTRA_$(1)) mk/sanitize.mk
	@mkdir -p $$(@D)
	$$(SAN_CC) $$(SAN_CFLAGS) -fvisibility=default $$(if $$(filter $(1),$$(HOOK_GPR_ONLY)),-mgeneral-regs-only) \
		-shared -o $$@ $(wildcard src/hooks/$(1)/*.c) $$(HOOK_SRC_EXTRA_$(1)) $$(HOOK_LDLIBS_$(1))
endef
$(foreach h,$(HOOK_NAMES),$(eval $(call san_hook_rule,$(h))))

# A hook with one heap overflow and one signed overflow, each done only when
# asked (ZP_CANARY=heap|ubsan): run.sh checks that the reports come out.
$(B)/asan/libzphook_canary.so: tests/sanitize/canary.c include/zpoline.h mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -shared -o $@ $<

SAN_CLI_OBJ := $(CLI_SRC:src/cli/%.c=$(B)/asan/cli/%.o) $(B)/asan/cli/syscall_table.o

$(B)/asan/cli/%.o: src/cli/%.c $(CLI_HDR) mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -c $< -o $@

$(B)/asan/cli/syscall_table.o: $(B)/gen/syscall_table.c src/common/syscall_table.h
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -c $< -o $@

$(B)/asan/zpoline: $(SAN_CLI_OBJ)
	$(SAN_CC) $(SAN_FLAGS) -o $@ $(SAN_CLI_OBJ) $(CLI_LDLIBS)

# The command only once src/cli/ exists.
sanitize: $(SAN_HOOK_LIBS) $(if $(CLI_SRC),$(B)/asan/zpoline)

.PHONY: sanitize
