/*
 * tasks.h - what a process can see of threads and children it did not
 * make: for the tests of the scan's helper thread (test-scan, and the
 * test program firsttask).
 */
#ifndef ZP_TEST_TASKS_H
#define ZP_TEST_TASKS_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

/* Entries in /proc/self/task. */
static inline int tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* No child of any kind (__WALL) to wait for. */
static inline bool no_child(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL) < 0 && errno == ECHILD;
}

#endif
