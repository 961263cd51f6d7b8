/*
 * tp-xattr - the extended-attribute calls GNU tar makes on every file it
 * archives with --xattrs: list an attribute-less file into a buffer (strace
 * shows "", the empty list, not the buffer's address), ask for the list's
 * size with no buffer (an address), read an empty value ("") and fail with
 * ERANGE (an address).  test-strace-xattr.sh compares the lines with
 * strace's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(void)
{
	char buf[256];
	/* A fresh file: O_TRUNC would keep a previous run's attributes. */
	unlink("tp-xattr.f");
	int fd = open("tp-xattr.f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 2;
	listxattr("tp-xattr.f", buf, sizeof buf);
	flistxattr(fd, buf, sizeof buf);
	llistxattr("tp-xattr.f", NULL, 0);
	/* Filesystems without user xattrs fail these; the lines still match. */
	fsetxattr(fd, "user.empty", "", 0, 0);
	fsetxattr(fd, "user.tp", "value", 5, 0);
	fgetxattr(fd, "user.empty", buf, sizeof buf);
	getxattr("tp-xattr.f", "user.tp", buf, sizeof buf);
	getxattr("tp-xattr.f", "user.tp", NULL, 0);
	lgetxattr("tp-xattr.f", "user.tp", buf, 2);
	listxattr("tp-xattr.f", buf, 4);
	close(fd);
	return 0;
}
