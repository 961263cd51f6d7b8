/*
 * dropuid - a root process that gives up root at once (util-linux's test
 * helpers, daemons), then makes enough calls for the runtime's switch to
 * page 0.  Page 0 was reserved while it was root; with vm.mmap_min_addr
 * above 0 the switch, mapping over the reservation, was refused once the
 * capability had gone: the runtime printed its "cannot map the trampoline"
 * advice into the program's standard error and stayed trapping.
 *
 * Usage: dropuid [UID].  Prints "uid N, M calls"; exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t uid = argc > 1 ? (uid_t)atoi(argv[1]) : 65534;
	if (setuid(uid) != 0) {
		perror("dropuid: setuid");
		return 1;
	}
	long same = 0;
	pid_t ppid = getppid();
	for (int i = 0; i < 1000; i++)
		same += getppid() == ppid;
	printf("uid %d, %ld calls\n", (int)getuid(), same);
	return 0;
}
