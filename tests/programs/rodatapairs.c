/*
 * rodatapairs: `0f 05` byte pairs (the bytes of `syscall`) in read-only
 * data that shares the code's segment (linked with -z noseparate-code, as
 * LLVM 14's libraries are), and one real system call.  The runtime must
 * rewrite the call and leave every data byte alone; where the file's
 * section headers say which part of the segment is code, it need not even
 * look at the data (tests/integration/test-rodata.sh).
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define P4 0x0f, 0x05, 0x0f, 0x05, 0x0f, 0x05, 0x0f, 0x05
#define P32 P4, P4, P4, P4, P4, P4, P4, P4
#define P256 P32, P32, P32, P32, P32, P32, P32, P32
/* 1024 pairs; used (checked below), so the linker keeps them. */
static const unsigned char pairs[2048] = {P256, P256, P256, P256};

int main(void)
{
	unsigned bad = 0;
	for (size_t i = 0; i < 2048; i += 2)
		bad += pairs[i] != 0x0f || pairs[i + 1] != 0x05;
	long pp;
	__asm__ volatile("syscall" : "=a"(pp) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	printf("%s: data pairs intact (%u changed)\n", bad ? "FAIL" : "PASS", bad);
	printf("%s: getppid through the inline site\n", pp == getppid() ? "PASS" : "FAIL");
	return bad || pp != getppid();
}
