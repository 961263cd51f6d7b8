/*
 * ident.c - a program that prints what it can see of how it was started:
 * arguments, environment, auxiliary vector, /proc/self, TLS, threads,
 * fork, signals, the heap.  Built static and static-pie; its output must be
 * the same run natively and under zpoline-loader.  Nothing printed may
 * depend on addresses or timing.
 *
 *   ident FILE [ARG...]
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

static __thread int tls_value = 42;
static __thread char tls_zero[64];
static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	got_signal = sig;
}

static void *worker(void *arg)
{
	long n = (long)arg;
	tls_value += (int)n; /* each thread has its own copy */
	long sum = 0;
	for (long i = 0; i <= 1000 * n; i++)
		sum += i;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", gettid());
	int fd = open(path, O_RDONLY);
	if (fd >= 0)
		close(fd);
	return (void *)(sum + tls_value);
}

static void print_file(const char *label, const char *path, int nul_to_space)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		printf("%s: (cannot read: %s)\n", label, strerror(errno));
		return;
	}
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' && nul_to_space)
			buf[i] = ' ';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	printf("%s: %s\n", label, buf);
}

static int count_phdrs(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (!*(int *)data)
		*(int *)data = info->dlpi_phnum;
	return 1;
}

/* The descriptors the program started with: what the loader left open
 * must be what execve would have (fexecve's close-on-exec descriptor
 * closed, an inheritable one kept). */
static void print_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	int mine = d ? dirfd(d) : -1;
	char line[512] = "";
	size_t at = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd != mine && at < sizeof line - 16)
			at += (size_t)snprintf(line + at, sizeof line - at, " %d", fd);
	}
	if (d)
		closedir(d);
	printf("descriptors:%s\n", line);
}

int main(int argc, char **argv, char **envp)
{
	print_descriptors();
	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]: %s\n", i, argv[i]);
	int envc = 0;
	while (envp[envc])
		envc++;
	const char *v = getenv("ZL_TEST_VAR");
	printf("ZL_TEST_VAR: %s\n", v ? v : "(unset)");

	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n < 0 ? 0 : n] = '\0';
	printf("/proc/self/exe: %s\n", exe);
	print_file("comm", "/proc/self/comm", 0);
	print_file("cmdline", "/proc/self/cmdline", 1);

	/* The auxiliary vector, and /proc/self/auxv agreeing with it. */
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	printf("AT_EXECFN: %s\n", execfn ? execfn : "(none)");
	printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
	printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
	printf("AT_BASE: %s\n", getauxval(AT_BASE) ? "set" : "0");
	printf("AT_RANDOM: %s\n", getauxval(AT_RANDOM) ? "present" : "missing");
	printf("AT_SYSINFO_EHDR: %s\n",
	       getauxval(AT_SYSINFO_EHDR) &&
			       !memcmp((void *)getauxval(AT_SYSINFO_EHDR), ELFMAG, SELFMAG)
		       ? "an ELF image"
		       : "missing");
	printf("AT_PLATFORM: %s\n", getauxval(AT_PLATFORM) ? (char *)getauxval(AT_PLATFORM) : "-");
	int phnum = 0;
	dl_iterate_phdr(count_phdrs, &phnum);
	printf("AT_PHNUM matches the image: %s\n",
	       (unsigned long)phnum == getauxval(AT_PHNUM) ? "yes" : "no");
	printf("AT_UID matches getuid: %s\n", getauxval(AT_UID) == getuid() ? "yes" : "no");
	int afd = open("/proc/self/auxv", O_RDONLY);
	Elf64_auxv_t av[64];
	ssize_t an = afd < 0 ? -1 : read(afd, av, sizeof av);
	if (afd >= 0)
		close(afd);
	unsigned long proc_entry = 0;
	for (ssize_t i = 0; an > 0 && i < an / (ssize_t)sizeof av[0]; i++)
		if (av[i].a_type == AT_ENTRY)
			proc_entry = av[i].a_un.a_val;
	printf("/proc/self/auxv AT_ENTRY matches: %s\n",
	       proc_entry == getauxval(AT_ENTRY) ? "yes" : "no");

	/* TLS: initialised and zeroed parts. */
	int zero = 1;
	for (size_t i = 0; i < sizeof tls_zero; i++)
		zero &= tls_zero[i] == 0;
	printf("tls: %d %s\n", tls_value, zero ? "zeroed" : "NOT ZEROED");

	/* The heap: small and large blocks. */
	char *small[100];
	for (int i = 0; i < 100; i++) {
		small[i] = malloc(100 + (size_t)i);
		memset(small[i], i, 100 + (size_t)i);
	}
	char *big = malloc(4 << 20);
	memset(big, 1, 4 << 20);
	long check = 0;
	for (int i = 0; i < 100; i++) {
		check += small[i][99];
		free(small[i]);
	}
	printf("heap: %ld %d\n", check, big[(4 << 20) - 1]);
	free(big);
	void *brk0 = sbrk(0);
	void *brk1 = sbrk(1 << 20);
	printf("brk grows: %s\n", brk1 == brk0 && sbrk(0) == (char *)brk0 + (1 << 20) ? "yes" : "no");

	/* Threads. */
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("thread %d: %ld\n", i, (long)r);
	}
	printf("tls after threads: %d\n", tls_value);

	/* A signal handler. */
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("signal: %d\n", (int)got_signal);

	/* A file named on the command line. */
	if (argc > 1) {
		int fd = open(argv[1], O_RDONLY);
		char buf[65536];
		ssize_t total = 0, r;
		unsigned sum = 0;
		while (fd >= 0 && (r = read(fd, buf, sizeof buf)) > 0) {
			for (ssize_t i = 0; i < r; i++)
				sum = sum * 31 + (unsigned char)buf[i];
			total += r;
		}
		if (fd >= 0)
			close(fd);
		printf("file: %zd bytes, sum %u\n", total, sum);
	}

	/* fork: the child is the same image, and exits on its own. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child: tls %d\n", tls_value);
		exit(7);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("child exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 3;
}
