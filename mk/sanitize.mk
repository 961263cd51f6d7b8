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
# Hooks run on the program's threads, where libc's %fs canary may not be set
# up (as for the hooks' normal builds); the shared code they link looks for
# headers in src/common/decode and build/gen.
SAN_HOOK_CFLAGS := $(SAN_CFLAGS) -fvisibility=default -fno-stack-protector -fcf-protection=none \
	-Isrc/common/decode -I$(B)/gen

# Objects a hook links besides its own sources (HOOK_SRC_EXTRA_<name>, set by
# other fragments) are rebuilt instrumented, as build/asan/obj/X.o, from
# src/common/X.c, src/common/decode/X.c or build/gen/X.c; anything else
# there (sources, libraries) is passed on as it is.
# Other fragments (trace.mk) are read after this one: the extra objects are
# named through secondary expansion, and built by pattern rules.
san_extra = $(foreach o,$(HOOK_SRC_EXTRA_$(1)),$(if $(filter %.o,$(o)),$(B)/asan/obj/$(notdir $(o)),$(o)))
SAN_COMMON_HDR := $(wildcard src/common/*.h src/common/decode/*.h) mk/sanitize.mk

$(B)/asan/obj/%.o: src/common/%.c $(SAN_COMMON_HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_HOOK_CFLAGS) -c $< -o $@
$(B)/asan/obj/%.o: src/common/decode/%.c $(SAN_COMMON_HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_HOOK_CFLAGS) -c $< -o $@
$(B)/asan/obj/%.o: $(B)/gen/%.c $(SAN_COMMON_HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_HOOK_CFLAGS) -c $< -o $@

.SECONDEXPANSION:
define san_hook_rule
$(B)/asan/libzphook_$(1).so: $(wildcard src/hooks/$(1)/*.c src/hooks/$(1)/*.h) include/zpoline.h \
		tests/sanitize/hook_defaults.c \
		$$$$(call san_extra,$(1)) $$$$(filter-out %.o,$$$$(HOOK_EXTRA_$(1))) mk/sanitize.mk
	@mkdir -p $$(@D)
	$$(SAN_CC) $$(SAN_HOOK_CFLAGS) $$(if $$(filter $(1),$$(HOOK_GPR_ONLY)),-mgeneral-regs-only) \
		-shared -o $$@ $(wildcard src/hooks/$(1)/*.c) $$(call san_extra,$(1)) \
		$$(filter-out -nostdlib,$$(HOOK_LDLIBS_$(1))) \
		tests/sanitize/hook_defaults.c
endef
$(foreach h,$(HOOK_NAMES),$(eval $(call san_hook_rule,$(h))))

# A hook with one heap overflow and one signed overflow, each done only when
# asked (ZP_CANARY=heap|ubsan): run.sh checks that the reports come out.
$(B)/asan/libzphook_canary.so: tests/sanitize/canary.c tests/sanitize/hook_defaults.c include/zpoline.h \
		mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) -shared -o $@ $< tests/sanitize/hook_defaults.c

# The command: every object of mk/cli.mk's (CLI_OBJ, and CLI_TRACE_OBJ, which
# it links from an archive) again, instrumented, under build/asan/cli/.
san_cli = $(patsubst $(B)/cli/%,$(B)/asan/cli/%,$(1))
SAN_CLI_OBJ := $(call san_cli,$(CLI_OBJ))
SAN_CLI_TRACE_OBJ := $(call san_cli,$(CLI_TRACE_OBJ))

$(B)/asan/cli/%.o: src/cli/%.c $(CLI_HDR) mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) $(CLI_DEFS) -c $< -o $@
$(B)/asan/cli/trace/%.o: src/common/%.c $(CLI_HDR) mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) $(CLI_DEFS) -c $< -o $@
$(B)/asan/cli/trace/%.o: $(B)/cli/gen/%.c $(CLI_HDR) mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) $(CLI_DEFS) -c $< -o $@
$(B)/asan/cli/%.o: $(B)/gen/%.c mk/sanitize.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(SAN_CFLAGS) $(CLI_DEFS) -c $< -o $@

$(B)/asan/cli/libzptrace.a: $(SAN_CLI_TRACE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/asan/zpoline: $(SAN_CLI_OBJ) $(if $(SAN_CLI_TRACE_OBJ),$(B)/asan/cli/libzptrace.a)
	$(SAN_CC) $(SAN_FLAGS) -o $@ $^

# The command only once src/cli/ exists.
sanitize: $(SAN_HOOK_LIBS) $(if $(CLI_SRC),$(B)/asan/zpoline)

.PHONY: sanitize
