/*
 * libzphook_rawcount.so - the count hook's table, made without libc.
 *
 * Under zpoline-loader the program owns %fs, so a hook's libc, whose
 * thread-local variables (errno, malloc's caches, stdio's locks) are found
 * through %fs, must not run once the program has started: the count hook's
 * fini() (fopen, fprintf) can crash a Go program at exit.  This hook counts
 * the same way and writes the same table ("calls errors name" lines, a
 * header with the pid, a total), but reads its environment at init, while
 * libc is still usable, and at the end only formats numbers itself and
 * writes through the runtime's own system call function.
 *
 * Output: appended to $ZL_RAWCOUNT_OUTPUT (required).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <zpoline.h>

#define SLOTS 1024

static unsigned long calls[SLOTS + 1], errors[SLOTS + 1];
static const struct zpoline_runtime *rt;
static char path[4096];

static unsigned slot(long nr)
{
	return nr >= 0 && nr < SLOTS ? (unsigned)nr : SLOTS;
}

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	__atomic_fetch_add(&calls[slot(call->nr)], 1, __ATOMIC_RELAXED);
	return ZPOLINE_CONTINUE;
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	if (call->ret < 0 && call->ret >= -4095)
		__atomic_fetch_add(&errors[slot(call->nr)], 1, __ATOMIC_RELAXED);
}

struct out {
	char buf[65536];
	unsigned long len;
};

static void put_str(struct out *o, const char *s)
{
	while (*s && o->len < sizeof o->buf)
		o->buf[o->len++] = *s++;
}

/* Right-aligned in `width` columns, as "%*lu". */
static void put_num(struct out *o, unsigned long v, int width)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 24);
	for (int i = n; i < width; i++)
		put_str(o, " ");
	while (n > 0 && o->len < sizeof o->buf)
		o->buf[o->len++] = d[--n];
}

static void fini(void *ctx)
{
	(void)ctx;
	static struct out o;
	o.len = 0;
	put_str(&o, "     calls   errors  syscall  (pid ");
	put_num(&o, (unsigned long)rt->syscall(SYS_getpid, 0, 0, 0, 0, 0, 0), 0);
	put_str(&o, ")\n");
	unsigned long total = 0, errs = 0;
	for (unsigned i = 0; i <= SLOTS; i++) {
		if (!calls[i])
			continue;
		const char *name = i < SLOTS ? rt->syscall_name(i) : NULL;
		put_num(&o, calls[i], 10);
		put_str(&o, " ");
		put_num(&o, errors[i], 8);
		put_str(&o, "  ");
		if (name) {
			put_str(&o, name);
		} else {
			put_str(&o, "syscall_");
			put_num(&o, i, 0);
		}
		put_str(&o, "\n");
		total += calls[i];
		errs += errors[i];
	}
	put_num(&o, total, 10);
	put_str(&o, " ");
	put_num(&o, errs, 8);
	put_str(&o, "  total\n");
	long fd = rt->syscall(SYS_open, (long)path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644,
			      0, 0, 0);
	if (fd < 0)
		return;
	for (unsigned long off = 0; off < o.len;) {
		long w = rt->syscall(SYS_write, fd, (long)(o.buf + off), (long)(o.len - off), 0, 0, 0);
		if (w <= 0)
			break;
		off += (unsigned long)w;
	}
	rt->syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

int zpoline_hook_init(const struct zpoline_runtime *runtime, struct zpoline_hook *hook)
{
	const char *p = getenv("ZL_RAWCOUNT_OUTPUT");
	if (!p || !*p || strlen(p) >= sizeof path)
		return -22; /* EINVAL: nowhere to write */
	memcpy(path, p, strlen(p) + 1);
	rt = runtime;
	hook->name = "rawcount";
	hook->flags = ZPOLINE_HOOK_NO_XSTATE;
	hook->pre = pre;
	hook->post = post;
	hook->fini = fini;
	return 0;
}
