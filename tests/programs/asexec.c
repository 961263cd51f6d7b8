/* asexec PROG [ARG...]: sets RLIMIT_AS to what this process maps now plus
 * 512 KiB, then execs PROG with an empty environment (as `env -i` does):
 * the runtime must put itself back into the new image with what memory is
 * left (tests/integration/test-asexec.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static long vm_size_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmSize:", 7))
			kib = strtol(line + 7, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: asexec PROG [ARG...]\n");
		return 2;
	}
	/* A first, loose limit: what a tracer maps only while there is none
	 * (its output window) is given back now, so the second counts the
	 * process as it will exec. */
	struct rlimit loose = {(rlim_t)1 << 40, RLIM_INFINITY};
	if (setrlimit(RLIMIT_AS, &loose) != 0) {
		perror("asexec: setrlimit");
		return 1;
	}
	long kib = vm_size_kib();
	if (kib <= 0) {
		fprintf(stderr, "asexec: no VmSize in /proc/self/status\n");
		return 1;
	}
	struct rlimit r = {(rlim_t)(kib + 512) * 1024, RLIM_INFINITY};
	if (setrlimit(RLIMIT_AS, &r) != 0) {
		perror("asexec: setrlimit");
		return 1;
	}
	char *envp[] = {NULL};
	execve(argv[1], argv + 1, envp);
	perror("asexec: execve");
	return 127;
}
