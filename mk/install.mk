# make install PREFIX=/usr/local DESTDIR=
#   bin/zpoline, lib/zpoline/libzpoline.so, lib/zpoline/zpoline-loader,
#   lib/zpoline/hooks/libzphook_*.so, include/zpoline.h,
#   lib/pkgconfig/zpoline.pc, share/man/man1/zpoline.1.
# The loader goes next to the runtime: both the command and the runtime
# (execve of a static program) look for it there.
# The command finds the runtime relative to itself (bin/../lib/zpoline), so
# the tree can be moved after installation; zpoline.pc names PREFIX (use
# pkg-config --define-prefix for a moved tree).
# Components add files with `install: install-<name>` rules of their own.

INSTALL ?= install
ZP_VERSION := $(shell sed -n 's/.*ZPOLINE_VERSION "\(.*\)"/\1/p' src/cli/cli.h)
INST := $(DESTDIR)$(PREFIX)

install: install-cli
install-cli: $(B)/zpoline $(B)/libzpoline.so $(B)/zpoline-loader $(HOOK_LIBS) include/zpoline.h \
		src/cli/zpoline.pc.in docs/zpoline.1
	$(INSTALL) -d $(INST)/bin $(INST)/lib/zpoline/hooks $(INST)/include \
		$(INST)/lib/pkgconfig $(INST)/share/man/man1
	$(INSTALL) -m 755 $(B)/zpoline $(INST)/bin/zpoline
	$(INSTALL) -m 755 $(B)/libzpoline.so $(INST)/lib/zpoline/libzpoline.so
	$(INSTALL) -m 755 $(B)/zpoline-loader $(INST)/lib/zpoline/zpoline-loader
	$(INSTALL) -m 755 $(HOOK_LIBS) $(INST)/lib/zpoline/hooks/
	$(INSTALL) -m 644 include/zpoline.h $(INST)/include/zpoline.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(ZP_VERSION)|' src/cli/zpoline.pc.in \
		> $(INST)/lib/pkgconfig/zpoline.pc.tmp
	mv $(INST)/lib/pkgconfig/zpoline.pc.tmp $(INST)/lib/pkgconfig/zpoline.pc
	chmod 644 $(INST)/lib/pkgconfig/zpoline.pc
	$(INSTALL) -m 644 docs/zpoline.1 $(INST)/share/man/man1/zpoline.1

.PHONY: install-cli
