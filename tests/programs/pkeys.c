/*
 * pkeys: a program that uses protection keys as natively: the key
 * pkey_alloc opens stays open (its PKRU change survives the call), and
 * calls reading and writing memory tagged with that key succeed while the
 * key is open and fail with EFAULT once it is closed.  Under the runtime
 * the calls that trap (Syscall User Dispatch before the switch, SUD mode)
 * ran in a signal handler under the kernel's default PKRU: the write
 * after pkey_alloc faulted, and the calls failed with EFAULT (pkru.c).
 * Where the CPU or kernel has no protection keys: SKIP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	int key = (int)syscall(SYS_pkey_alloc, 0, 0);
	if (key < 0) {
		printf("SKIP: protection keys: pkey_alloc: %s\n", strerror(errno));
		return 0;
	}
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED && syscall(SYS_pkey_mprotect, page, 4096,
					    PROT_READ | PROT_WRITE, key) == 0,
	      "pkey_mprotect tags a page with the new key");
	strcpy(page, "secret"); /* faults if pkey_alloc's rights were lost */
	CHECK(!strcmp(page, "secret"), "the key pkey_alloc opened is open after it");
	int fds[2];
	CHECK(pipe(fds) == 0 && write(fds[1], page, 7) == 7, "write() from the tagged page");
	CHECK(read(fds[0], page + 100, 7) == 7 && !strcmp(page + 100, "secret"),
	      "read() into the tagged page");
	pkey_set(key, PKEY_DISABLE_ACCESS);
	errno = 0;
	long w = write(fds[1], page, 7);
	int e = errno;
	pkey_set(key, 0);
	CHECK(w == -1 && e == EFAULT, "with the key closed, write() from the page: EFAULT");
	CHECK(syscall(SYS_pkey_free, key) == 0, "pkey_free");
	return fails != 0;
}
