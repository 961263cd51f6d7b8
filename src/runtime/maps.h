#ifndef ZP_MAPS_H
#define ZP_MAPS_H

#include "rt.h"

struct zp_map {
	uintptr_t start, end;
	uintptr_t offset;
	unsigned long inode;
	unsigned dev_major, dev_minor;
	int prot; /* PROT_* */
	bool shared;
	const char *path; /* "" for anonymous */
};

struct zp_maps {
	struct zp_map *v;
	size_t n;
	char *buf;
	size_t buf_size, v_size;
	/* Asked for (zp_maps_open): the mappings are looked up one by one
	 * as they are needed (PROCMAP_QUERY on query_fd), v is in the order
	 * they were asked for, never moves and only grows up to cap; names
	 * go to buf.  Past that, `full` holds all of them, read at once. */
	int query_fd;
	size_t cap, names_used;
	struct zp_maps *full;
};

/* All the mappings at once, from /proc/self/maps, sorted. */
ZP_HIDDEN int zp_maps_read(struct zp_maps *out);
/* Ready to be asked, mapping by mapping, where the kernel can (Linux 6.11's
 * PROCMAP_QUERY); else zp_maps_read.  What a process with hundreds of
 * mappings needs at start-up or after a dlopen is a few of them. */
ZP_HIDDEN int zp_maps_open(struct zp_maps *out);
ZP_HIDDEN void zp_maps_configure(void); /* at start-up: ZPOLINE_MAPS_QUERY */
ZP_HIDDEN void zp_maps_free(struct zp_maps *m);
/* The mapping that contains addr, or NULL.  The pointer stays valid until
 * zp_maps_free. */
ZP_HIDDEN const struct zp_map *zp_maps_find(const struct zp_maps *m, uintptr_t addr);
/* The mappings that overlap [lo, hi), in address order: *count of them
 * from the one returned (none: NULL). */
ZP_HIDDEN const struct zp_map *zp_maps_range(const struct zp_maps *m, uintptr_t lo, uintptr_t hi,
					     size_t *count);

ZP_HIDDEN bool zp_maps_readable(const void *ctx, const void *p, size_t n);
/* st (from stat or fstat) is the file m was mapped from: same device and
 * inode, still a regular file. */
struct stat;
ZP_HIDDEN bool zp_map_is_file(const struct zp_map *m, const struct stat *st);

/* Whether a page of [lo, hi), in a private file mapping, was written
 * since it was mapped (then it is the process's own copy, no longer the
 * file's page): 1 if one was, 0 if none, -1 if /proc/self/pagemap cannot
 * tell.  Pages never faulted in count as not written. */
ZP_HIDDEN int zp_pages_written(uintptr_t lo, uintptr_t hi);
/* Keeps /proc/self/pagemap open for the calls above until released: the
 * start-up asks once per object (single-threaded there). */
ZP_HIDDEN void zp_pagemap_hold(bool on);

/* How much of a mapping that starts at file offset `off` a file of `size`
 * bytes backs, in whole pages: reading past that raises SIGBUS (a segment
 * may claim more of its file than there is, as LLVMgold.so's does). */
static inline uint64_t zp_file_backed(uint64_t size, uint64_t off)
{
	return size > off ? (size - off + ZP_PAGE - 1) & ~(uint64_t)(ZP_PAGE - 1) : 0;
}

#endif
