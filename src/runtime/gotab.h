#ifndef ZP_GOTAB_H
#define ZP_GOTAB_H

#include <link.h>

#include "gopclntab.h"
#include "maps.h"

/* Go's function table of a loaded object (gotab.c): 0 and *g set, or -1.
 * Only a table whose functions all lie in one executable segment of the
 * object is accepted. */
/* Among the len bytes of an object's notes, Go's build-ID note ("Go",
 * type 4): Go's linker linked the object. */
ZP_HIDDEN bool zp_go_note_in(const void *notes, size_t len);
/* The object carries Go's build-ID note: Go's linker linked it. */
ZP_HIDDEN bool zp_go_note_present(const struct zp_maps *maps, uintptr_t base, const ElfW(Phdr) * ph,
				  int phnum);
ZP_HIDDEN int zp_go_table_find(const struct zp_maps *maps, uintptr_t base, const ElfW(Phdr) * ph,
			       int phnum, struct zp_gopcln *g);

#endif
