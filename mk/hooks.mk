# Hook libraries shipped with zpoline: build/libzphook_<name>.so from
# src/hooks/<name>/*.c.  Hooks that declare ZPOLINE_HOOK_NO_XSTATE are built
# with -mgeneral-regs-only (except files named *_xstate.c).
HOOK_CFLAGS := $(CFLAGS_BASE) -fvisibility=default

HOOK_NAMES := $(notdir $(wildcard src/hooks/*))
HOOK_LIBS := $(HOOK_NAMES:%=$(B)/libzphook_%.so)
HOOK_GPR_ONLY := pass count

define hook_rule
$(B)/libzphook_$(1).so: $(wildcard src/hooks/$(1)/*.c src/hooks/$(1)/*.h) include/zpoline.h src/common/hookflags.h \
		$$(HOOK_EXTRA_$(1))
	@mkdir -p $$(@D)
	$$(CC) $$(HOOK_CFLAGS) $$(if $$(filter $(1),$$(HOOK_GPR_ONLY)),-mgeneral-regs-only) -shared \
		-o $$@ $(wildcard src/hooks/$(1)/*.c) $$(HOOK_SRC_EXTRA_$(1)) $$(HOOK_LDLIBS_$(1))
endef
$(foreach h,$(HOOK_NAMES),$(eval $(call hook_rule,$(h))))

all: $(HOOK_LIBS)
