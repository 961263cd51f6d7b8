/*
 * gonote: reads through a NULL pointer and catches the fault, as Go's
 * nil-pointer panics and the JVM's implicit null checks do.  It carries the
 * note Go's linker writes (owner "Go", type 4), which is how the runtime
 * recognises such programs.  Prints "fault" if the read faulted, or the
 * value read.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

__asm__(".section .note.go.buildid,\"a\",@note\n"
	".p2align 2\n"
	".long 4\n"        /* n_namesz: "Go\0\0", as Go writes it */
	".long 8\n"        /* n_descsz */
	".long 4\n"        /* n_type: GO BUILDID */
	".asciz \"Go\"\n"
	".byte 0\n"
	".ascii \"zpolinet\"\n"
	".text\n");

static sigjmp_buf env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(env, 1)) {
		puts("fault");
		return 0;
	}
	volatile unsigned *p = (volatile unsigned *)8;
	printf("read %#x\n", *p);
	return 0;
}
