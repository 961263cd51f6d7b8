/*
 * registry.c - the sets of rewritten sites.
 *
 * zp_site_table holds the return address (site + 2) of every site rewritten
 * to `callq *%rax`; the entry stub probes it on every call to tell a
 * rewritten site from a call through a NULL function pointer.  zp_trap_table
 * holds the address of every site rewritten to `ud2`.
 *
 * Open addressing, linear probing, at most half full, keyed by
 * (key + ror(key, 12)) & mask, a hash the entry stub computes without
 * touching the flags (entry.S): a few KiB for a typical program instead of a
 * bitmap over the address space.  Readers never lock: a table only grows by
 * publishing a larger copy; old copies are left mapped for readers still
 * inside them.  Writers are serialised by a spin lock (rewriting is rare).
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "rt.h"

/* Two slots, not one: the entry stub's BMI2 path masks by shifting, and
 * a shift by 64 - log2(1) = 64 would be a shift by 0. */
static struct {
	uint64_t mask;
	uint64_t slot[2];
} empty_table = {1, {0, 0}};

struct zp_site_table *zp_site_table = (struct zp_site_table *)&empty_table;
struct zp_site_table *zp_trap_table = (struct zp_site_table *)&empty_table;

void (*zp_site_table_moved)(const struct zp_site_table *tab);

static int lock;
static size_t n_site, n_trap; /* entries in zp_site_table, zp_trap_table */

static uint64_t hash(uint64_t key)
{
	return key + (key >> 12 | key << 52);
}

bool zp_set_has(const struct zp_site_table *tab, uint64_t key)
{
	if (!key)
		return false;
	for (uint64_t i = hash(key);; i++) {
		uint64_t v = __atomic_load_n(&tab->slot[i & tab->mask], __ATOMIC_ACQUIRE);
		if (v == key)
			return true;
		if (v == 0)
			return false;
	}
}

size_t zp_set_count(const struct zp_site_table *tab)
{
	size_t n = 0;
	for (uint64_t i = 0; i <= tab->mask; i++)
		n += tab->slot[i] != 0;
	return n;
}

static void put(struct zp_site_table *tab, uint64_t key)
{
	for (uint64_t i = hash(key);; i++) {
		uint64_t *s = &tab->slot[i & tab->mask];
		if (*s == key)
			return;
		if (*s == 0) {
			__atomic_store_n(s, key, __ATOMIC_RELEASE);
			return;
		}
	}
}

static bool has_room(const struct zp_site_table *tab, size_t used, size_t room)
{
	/* (the empty table is shared, and read-only in spirit) */
	return 2 * (used + room) <= tab->mask + 1 && tab != (const struct zp_site_table *)&empty_table;
}

/* The size in bytes of the table that replaces tab. */
static size_t grown_bytes(const struct zp_site_table *tab, size_t used, size_t room)
{
	uint64_t slots = (tab->mask + 1) * 4;
	if (slots < 1024)
		slots = 1024;
	while (slots < 2 * (used + room))
		slots *= 2;
	return sizeof(uint64_t) * (slots + 1);
}

/* Makes *tabp the table at m, of `bytes`, with the old one's entries. */
static void adopt(struct zp_site_table **tabp, long m, size_t bytes)
{
	struct zp_site_table *tab = *tabp;
	struct zp_site_table *n = (struct zp_site_table *)m;
	uint64_t slots = bytes / sizeof(uint64_t) - 1;
	// cppcheck-suppress nullPointerRedundantCheck ; an mmap's result: never 0 here
	n->mask = slots - 1;
	for (uint64_t i = 0; i <= tab->mask; i++)
		if (tab->slot[i])
			put(n, tab->slot[i]);
	/* The fast path reads the table's address from the second stage:
	 * point it at the copy before the copy becomes the table. */
	if (tabp == &zp_site_table && zp_site_table_moved)
		zp_site_table_moved(n);
	__atomic_store_n(tabp, n, __ATOMIC_RELEASE);
}

/* Makes room for `room` entries beyond the current ones; lock held.  The
 * new table's pages are populated in the mmap: one call instead of a page
 * fault per page, which on this machine kind costs more than the call. */
static int make_room(struct zp_site_table **tabp, size_t used, size_t room)
{
	if (has_room(*tabp, used, room))
		return 0;
	size_t bytes = grown_bytes(*tabp, used, room);
	long m = zp_raw6(SYS_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m < 0)
		return (int)m;
	adopt(tabp, m, bytes);
	return 0;
}

static size_t *count_of(struct zp_site_table **tabp)
{
	return tabp == &zp_site_table ? &n_site : &n_trap;
}

int zp_set_reserve(struct zp_site_table **tabp, size_t room)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	int ret = make_room(tabp, *count_of(tabp), room);
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	return ret;
}

/* Both tables' room at start-up, in one mapping where both must grow (one
 * system call less at every start). */
int zp_sets_reserve(size_t sites, size_t traps)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	int ret = 0;
	if (!has_room(zp_site_table, n_site, sites) && !has_room(zp_trap_table, n_trap, traps)) {
		size_t a = grown_bytes(zp_site_table, n_site, sites);
		size_t b = grown_bytes(zp_trap_table, n_trap, traps);
		long m = zp_raw6(SYS_mmap, 0, (long)(a + b), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m < 0)
			ret = (int)m;
		else {
			adopt(&zp_site_table, m, a);
			adopt(&zp_trap_table, m + (long)a, b);
		}
	}
	if (ret == 0)
		ret = make_room(&zp_site_table, n_site, sites);
	if (ret == 0)
		ret = make_room(&zp_trap_table, n_trap, traps);
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	return ret;
}

int zp_set_add(struct zp_site_table **tabp, uint64_t key)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	int ret = 0;
	size_t *used = count_of(tabp);
	if (!zp_set_has(*tabp, key)) {
		ret = make_room(tabp, *used, 1);
		if (ret == 0) {
			put(*tabp, key);
			(*used)++;
		}
	}
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	return ret;
}

/* Every key in [lo, hi) is also entered moved by delta (mremap of code). */
void zp_set_translate(struct zp_site_table **tabp, uint64_t lo, uint64_t hi, intptr_t delta)
{
	struct zp_site_table *tab = __atomic_load_n(tabp, __ATOMIC_ACQUIRE);
	uint64_t n = tab->mask + 1;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = __atomic_load_n(&tab->slot[i], __ATOMIC_ACQUIRE);
		if (k >= lo && k < hi)
			zp_set_add(tabp, k + (uint64_t)delta);
		tab = __atomic_load_n(tabp, __ATOMIC_ACQUIRE);
		n = n < tab->mask + 1 ? n : tab->mask + 1;
	}
}
