/*
 * slots.c - storage for calls in flight, from pre() to post().
 *
 * A hook gets one word (the cookie) to carry from pre() to post(); the
 * tracer needs the arguments as the program passed them, the entry time
 * and a few bytes the kernel will overwrite.  Slots come from a fixed pool
 * claimed with atomic bit operations: no lock, usable from any thread and
 * from signal handlers.  When the pool is exhausted (thousands of threads
 * blocked in calls at once) a call is simply decoded without a slot.
 */
#include <sys/mman.h>

#include "trace_hook.h"

#define NSLOTS 4096
#define WORD_BITS 64

static struct slot *pool;
static uint64_t used[NSLOTS / WORD_BITS];

int slots_init(void)
{
	void *m = mmap(NULL, sizeof(struct slot) * NSLOTS, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	pool = m;
	return 0;
}

struct slot *slot_get(unsigned long cookie)
{
	return cookie && cookie <= NSLOTS ? &pool[cookie - 1] : NULL;
}

unsigned long slot_claim(void)
{
	/* Start at a word that depends on the caller's stack so threads
	 * spread over the pool instead of fighting for word 0. */
	unsigned start = (unsigned)(((uintptr_t)__builtin_frame_address(0) >> 12) % (NSLOTS / WORD_BITS));
	for (unsigned k = 0; k < NSLOTS / WORD_BITS; k++) {
		unsigned w = (start + k) % (NSLOTS / WORD_BITS);
		uint64_t cur = __atomic_load_n(&used[w], __ATOMIC_RELAXED);
		while (~cur) {
			int bit = __builtin_ctzll(~cur);
			if (__atomic_compare_exchange_n(&used[w], &cur, cur | (1ull << bit), true,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return (unsigned long)w * WORD_BITS + (unsigned)bit + 1;
		}
	}
	return 0;
}

void slot_release(unsigned long cookie)
{
	if (!cookie || (cookie & TIME_COOKIE))
		return;
	unsigned long i = cookie - 1;
	__atomic_fetch_and(&used[i / WORD_BITS], ~(1ull << (i % WORD_BITS)), __ATOMIC_RELEASE);
}

/* In a forked child only the calling thread exists: its own call is the
 * only one still in flight. */
void slots_forked(unsigned long keep)
{
	for (unsigned w = 0; w < NSLOTS / WORD_BITS; w++)
		__atomic_store_n(&used[w], 0, __ATOMIC_RELAXED);
	if (keep && !(keep & TIME_COOKIE)) {
		unsigned long i = keep - 1;
		__atomic_fetch_or(&used[i / WORD_BITS], 1ull << (i % WORD_BITS), __ATOMIC_RELAXED);
	}
}
