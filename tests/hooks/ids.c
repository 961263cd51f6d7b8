/*
 * A test hook that checks the thread and process ids the runtime gives
 * every call (struct zpoline_call's tid and pid) against the kernel's, asked
 * with raw calls no hook sees.  The runtime learns them at start-up, in a
 * fork child and at a thread's first call: a wrong one would give a tracer
 * another process's lines.  At exit each process prints
 *   ids: pid P: N checked, M wrong
 * A clone-family call's post() in the child is left out: the record was
 * made by the parent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <zpoline.h>

static const struct zpoline_runtime *rt;
static unsigned long checked, wrong;

static void check(const struct zpoline_call *call)
{
	long tid = rt->syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	long pid = rt->syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	__atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
	if (call->tid != tid || call->pid != pid)
		__atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
}

static int pre(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	check(call);
	return ZPOLINE_CONTINUE;
}

static void post(struct zpoline_call *call, void *ctx)
{
	(void)ctx;
	bool clone_child = (call->nr == SYS_fork || call->nr == SYS_vfork || call->nr == SYS_clone ||
			    call->nr == SYS_clone3) &&
			   call->ret == 0;
	if (!clone_child)
		check(call);
}

static void fini(void *ctx)
{
	(void)ctx;
	char line[96];
	int n = snprintf(line, sizeof line, "ids: pid %ld: %lu checked, %lu wrong\n",
			 rt->syscall(SYS_getpid, 0, 0, 0, 0, 0, 0), checked, wrong);
	rt->syscall(SYS_write, 2, (long)line, n, 0, 0, 0);
}

int zpoline_hook_init(const struct zpoline_runtime *r, struct zpoline_hook *hook)
{
	rt = r;
	hook->name = "ids";
	hook->pre = pre;
	hook->post = post;
	hook->fini = fini;
	return 0;
}
