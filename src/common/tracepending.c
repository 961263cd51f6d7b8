/*
 * tracepending.c - see tracepending.h.
 */
#include <sys/syscall.h>

#include "raw.h"
#include "tracefmt.h"
#include "tracepending.h"
#include "traceout.h"

static uint64_t key_of(int tid, int pid)
{
	return (uint32_t)tid | (uint64_t)(uint32_t)pid << 32;
}

static unsigned hash_of(int tid)
{
	return (unsigned)tid * 2654435761u % ZP_TRACE_PENDING_SLOTS;
}

static uint64_t *key_at(struct zp_trace_ctl *c, unsigned h, unsigned k)
{
	return &c->pending_key[(h + k) % ZP_TRACE_PENDING_SLOTS];
}

int zp_pending_open(struct zp_trace_ctl *c, int tid, int pid)
{
	unsigned h = hash_of(tid);
	for (unsigned k = 0; k < ZP_TRACE_PENDING_PROBE; k++) {
		uint64_t *e = key_at(c, h, k);
		uint64_t cur = 0;
		if (__atomic_load_n(e, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(e, &cur, key_of(tid, pid) | ZP_PENDING_FILL, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (int)((h + k) % ZP_TRACE_PENDING_SLOTS);
	}
	return -1;
}

struct zp_pending *zp_pending_at(struct zp_trace_ctl *c, int i)
{
	return &c->pending[i];
}

void zp_pending_publish(struct zp_trace_ctl *c, int i, int tid, int pid)
{
	__atomic_store_n(&c->pending_key[i], key_of(tid, pid), __ATOMIC_RELEASE);
}

bool zp_pending_close(struct zp_trace_ctl *c, int i, int tid, int pid)
{
	uint64_t cur = key_of(tid, pid);
	if (__atomic_compare_exchange_n(&c->pending_key[i], &cur, cur | ZP_PENDING_OWNED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	/* Claimed, or printed and freed (then maybe another thread's now), or
	 * forgotten: the process is ending, and the line is not ours. */
	return false;
}

void zp_pending_done(struct zp_trace_ctl *c, int i, int tid, int pid)
{
	uint64_t cur = key_of(tid, pid) | ZP_PENDING_OWNED;
	__atomic_compare_exchange_n(&c->pending_key[i], &cur, 0, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}

/* A live owner prints its line in microseconds; one that never lets go
 * (stopped, or writing to a pipe nobody reads) is given up on. */
#define OWNED_WAIT_YIELDS 20000

int zp_pending_claim(struct zp_trace_ctl *c, int tid, int pid, bool wait)
{
	unsigned h = hash_of(tid);
	uint64_t want = key_of(tid, pid);
	for (unsigned k = 0; k < ZP_TRACE_PENDING_PROBE; k++) {
		uint64_t *e = key_at(c, h, k);
		uint64_t cur = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		for (unsigned n = 0; wait && cur == (want | ZP_PENDING_OWNED) && n < OWNED_WAIT_YIELDS; n++) {
			zp_raw0(SYS_sched_yield);
			cur = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		}
		if (cur == want && __atomic_compare_exchange_n(e, &cur, want | ZP_PENDING_CLAIMED, false,
							       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return (int)((h + k) % ZP_TRACE_PENDING_SLOTS);
	}
	return -1;
}

int zp_pending_claim_any(struct zp_trace_ctl *c, int pid)
{
	for (unsigned i = 0; i < ZP_TRACE_PENDING_SLOTS; i++) {
		uint64_t cur = __atomic_load_n(&c->pending_key[i], __ATOMIC_ACQUIRE);
		if (!cur || (cur & ZP_PENDING_STATES) || (uint32_t)(cur >> 32) != (uint32_t)pid)
			continue;
		if (__atomic_compare_exchange_n(&c->pending_key[i], &cur, cur | ZP_PENDING_CLAIMED,
						false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return (int)i;
	}
	return -1;
}

void zp_pending_release(struct zp_trace_ctl *c, int i)
{
	__atomic_store_n(&c->pending_key[i], 0, __ATOMIC_RELEASE);
}

void zp_pending_forget(struct zp_trace_ctl *c, int pid)
{
	for (unsigned i = 0; i < ZP_TRACE_PENDING_SLOTS; i++) {
		uint64_t cur = __atomic_load_n(&c->pending_key[i], __ATOMIC_RELAXED);
		/* a claimed one is being printed: its reporter frees it */
		if (cur && !(cur & ZP_PENDING_CLAIMED) &&
		    (uint32_t)(cur >> 32 & 0x1fffffffu) == (uint32_t)pid)
			__atomic_compare_exchange_n(&c->pending_key[i], &cur, 0, false,
						    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
}

size_t zp_pending_compose(const struct zp_trace_ctl *c, int i, const char *prefix, size_t plen,
			  char *buf, size_t len)
{
	const struct zp_pending *p = &c->pending[i];
	size_t n = p->len < sizeof p->text ? p->len : sizeof p->text;
	struct tb b;
	tb_init(&b, buf, len - 1);
	if (c->form.json) {
		tb_puts(&b, "{\"pid\":");
		tb_dec(&b, p->shown_pid);
		tb_puts(&b, ",\"tid\":");
		tb_dec(&b, p->shown_tid);
		tb_putn(&b, p->text, n);
		tb_puts(&b, ",\"ret\":null,\"rettext\":\"?\",\"errno\":null,\"unfinished\":true,"
			    "\"injected\":false}");
	} else {
		tb_putn(&b, prefix, plen);
		tb_putn(&b, p->text, n);
		tb_puts(&b, " <unfinished ...>)");
		if (b.len < c->form.column) {
			tb_pad_to(&b, c->form.column);
			tb_puts(&b, "= ?");
		} else {
			tb_puts(&b, " = ?");
		}
	}
	if (b.truncated)
		return 0; /* room is the caller's: a line is whole or none */
	buf[b.len++] = '\n';
	return b.len;
}
