/*
 * tp-opens - opens each file named on the command line and prints one
 * line per open: "NAME ok" or "NAME ERRNO-NAME".  Exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		int e = errno;
		if (fd >= 0) {
			printf("%s ok\n", argv[i]);
			close(fd);
		} else {
			printf("%s %s\n", argv[i], e == ENOENT ? "ENOENT" : e == ENOSPC ? "ENOSPC" : strerror(e));
		}
	}
	return 0;
}
