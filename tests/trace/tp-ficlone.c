/*
 * tp-ficlone - the FICLONE ioctl cp makes for every regular file it copies
 * (--reflink=auto, its default): strace prints "BTRFS_IOC_CLONE or FICLONE"
 * and the source descriptor, whatever the filesystem answers.
 * test-strace-ficlone.sh compares the line with strace's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int src = open("tp-ficlone.src", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int dst = open("tp-ficlone.dst", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (src < 0 || dst < 0 || write(src, "data\n", 5) != 5)
		return 2;
	ioctl(dst, FICLONE, src);
	ioctl(dst, FICLONE, -1);
	return 0;
}
