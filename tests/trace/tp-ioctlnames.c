/*
 * tp-ioctlnames.c - requests of other subsystems than the terminal's, on
 * a regular file (each fails with ENOTTY, nothing changes): block device,
 * loop, KVM, random, perf, sound, video, sockets: requests whose argument
 * strace does not decode here (an address, or a number).  strace names
 * each; the tracer printed _IOC(...) for all but the terminal's.
 * test-strace-ioctlnames compares the lines.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/loop.h>
#include <linux/perf_event.h>
#include <linux/random.h>
#include <linux/sockios.h>
#include <sound/asound.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = open(argc > 1 ? argv[1] : "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	char buf[512];
	ioctl(fd, BLKGETSIZE64, buf);
	ioctl(fd, BLKSSZGET, buf);
	ioctl(fd, LOOP_GET_STATUS64, buf);
	ioctl(fd, KVM_GET_API_VERSION, 0);
	ioctl(fd, RNDGETENTCNT, buf);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(fd, SNDRV_PCM_IOCTL_PREPARE, 0);
	ioctl(fd, VIDIOC_QUERYCAP, buf);
	ioctl(fd, SIOCGIFCOUNT, buf);
	close(fd);
	return 0;
}
