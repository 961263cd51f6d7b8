/*
 * machine-costs - the costs of this machine that decide where zpoline's
 * start-up time goes (docs/design.md cites them): one CPUID instruction
 * (it traps to the hypervisor on some VMs), a signal from a trap
 * instruction, ud2 (SIGILL) versus int3 (SIGTRAP), handled and returned
 * from (in a KVM guest an invalid opcode exits to the hypervisor, which
 * decided which one the runtime traps with: docs/design.md), a fresh
 * anonymous page touched
 * (faulted in) versus populated by mmap, and a first pass over a big file's
 * bytes through a fresh mapping versus read() into a small buffer.
 *
 * Usage: machine-costs FILE   (a big file, e.g. libLLVM; at least 16 MiB)
 * Prints key,value CSV lines (no header); medians of 5 tries each.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "timing.h"

#define TRIES 5
#define PAGES 512

static double median(double *v)
{
	return median_of(v, TRIES);
}

static double cpuid_ns(void)
{
	double v[TRIES];
	for (int t = 0; t < TRIES; t++) {
		unsigned a, b, c, d;
		double t0 = now_ns();
		for (int i = 0; i < 50; i++)
			__cpuid_count(0xd, 0, a, b, c, d);
		v[t] = (now_ns() - t0) / 50;
		(void)a, (void)b, (void)c, (void)d;
	}
	return median(v);
}

/* The handler steps over the trap: ud2 is two bytes; int3's trap already
 * left the program counter after it. */
static void step_over(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	ucontext_t *uc = ucv;
	if (sig == SIGILL)
		uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* ns per trap instruction, signal delivery and sigreturn included. */
static double trap_ns(int sig)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = step_over;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, &old);
	double v[TRIES];
	for (int t = 0; t < TRIES; t++) {
		double t0 = now_ns();
		for (int i = 0; i < 50; i++) {
			if (sig == SIGILL)
				__asm__ volatile("ud2");
			else
				__asm__ volatile("int3");
		}
		v[t] = (now_ns() - t0) / 50;
	}
	sigaction(sig, &old, NULL);
	return median(v);
}

/* ns per page written once, after a plain mmap (a fault each) or after
 * MAP_POPULATE (mapped by the call, counted in). */
static double page_ns(int populate)
{
	double v[TRIES];
	size_t len = (size_t)PAGES * 4096;
	for (int t = 0; t < TRIES; t++) {
		double t0 = now_ns();
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
		if (p == MAP_FAILED) {
			perror("machine-costs: mmap");
			exit(1);
		}
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
		v[t] = (now_ns() - t0) / PAGES;
		munmap((void *)p, len);
	}
	return median(v);
}

static unsigned long sum_bytes(const unsigned char *p, size_t n)
{
	unsigned long s = 0;
	for (size_t i = 0; i < n; i += 64) /* a cache line at a time: the first touch is the cost */
		s += p[i];
	return s;
}

/* MB/s of a first pass over the file: through a fresh mapping, or read()
 * in 256 KiB chunks (from the page cache either way: one warm-up read). */
static double pass_mbps(int fd, size_t len, int by_read)
{
	static unsigned char buf[256 * 1024];
	double v[TRIES];
	unsigned long sink = 0;
	for (int t = 0; t < TRIES; t++) {
		double t0 = now_ns();
		if (by_read) {
			for (off_t off = 0; (size_t)off < len;) {
				ssize_t r = pread(fd, buf, sizeof buf, off);
				if (r <= 0)
					break;
				sink += sum_bytes(buf, (size_t)r);
				off += r;
			}
		} else {
			void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m == MAP_FAILED) {
				perror("machine-costs: mmap of the file");
				exit(1);
			}
			sink += sum_bytes(m, len);
			munmap(m, len);
		}
		v[t] = (double)len / 1e6 / ((now_ns() - t0) / 1e9);
	}
	if (sink == 42)
		fputc(' ', stderr); /* keep the reads */
	return median(v);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: machine-costs FILE (a file of at least 16 MiB)\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "machine-costs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (st.st_size < (16 << 20)) {
		fprintf(stderr, "machine-costs: %s: %lld bytes; want at least 16 MiB\n", argv[1],
			(long long)st.st_size);
		return 2;
	}
	size_t len = (size_t)st.st_size;
	pass_mbps(fd, len, 1); /* into the page cache */
	printf("cpuid_ns,%.0f\n", cpuid_ns());
	printf("ud2_trap_ns,%.0f\n", trap_ns(SIGILL));
	printf("int3_trap_ns,%.0f\n", trap_ns(SIGTRAP));
	printf("page_fault_ns,%.0f\n", page_ns(0));
	printf("page_populated_ns,%.0f\n", page_ns(1));
	printf("first_pass_mapping_mbps,%.0f\n", pass_mbps(fd, len, 0));
	printf("first_pass_read_mbps,%.0f\n", pass_mbps(fd, len, 1));
	printf("first_pass_file,\"%s (%.0f MiB)\"\n", argv[1], (double)len / (1 << 20));
	return 0;
}
