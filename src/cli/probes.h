/*
 * probes.h - what `zpoline doctor` asks the kernel and the CPU.
 *
 * Every probe that could fault or change the process runs in a forked
 * child, so the command survives whatever the answer is.
 */
#ifndef ZP_CLI_PROBES_H
#define ZP_CLI_PROBES_H

#include <stdbool.h>
#include <stddef.h>

/* CPUID leaf 7: PKU (the CPU has protection keys) and OSPKE (the kernel
 * turned them on). */
void probe_pku(bool *pku, bool *ospke);

/* Does a PROT_EXEC-only page execute and fault on read?
 * 1: yes (execute-only works), 0: it is readable, -1: could not tell (why). */
int probe_exec_only(char *why, size_t why_size);

/* Can this process turn on Syscall User Dispatch?  0 or an errno value. */
int probe_sud(void);

/* The highest system call number below 1024 that does not answer ENOSYS,
 * called with all arguments -1 so real calls fail harmlessly.  Returns it
 * (and the errno it answered in *answer), or -1 with why. */
long probe_max_syscall(int *answer, char *why, size_t why_size);

/* Runs /bin/true under the runtime (with ZPOLINE_MODE=mode if not NULL)
 * and returns its wait status as the command would report it (0 = works);
 * the first line the runtime printed goes to msg. */
int probe_runtime(const char *runtime, const char *mode, char *msg, size_t msg_size);
/* /bin/true under the runtime with ZPOLINE_DEBUG=1: its stderr (the
 * start-up summary) into out; 0 if it ran and exited 0. */
int probe_runtime_summary(const char *runtime, char *out, size_t out_size);

#endif
