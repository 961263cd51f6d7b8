/*
 * tracesecure.h - programs the kernel runs in secure-execution mode.
 *
 * A set-user-ID or set-group-ID program that changes the caller's
 * credentials, one given file capabilities, or any program started by a
 * caller whose effective IDs are not its real ones, runs with AT_SECURE set,
 * and then ld.so ignores LD_PRELOAD: the runtime is not loaded and the
 * program runs unhooked.  The command warns before it starts one; the
 * tracer marks the execve that starts one, whose result the new image
 * cannot print; the runtime never sends one through zpoline's loader,
 * which would run it without its privileges.  Raw system calls: the
 * tracer has no libc.
 */
#ifndef ZP_TRACESECURE_H
#define ZP_TRACESECURE_H

/* Would execveat(dirfd, path, ..., at_flags) run the file in
 * secure-execution mode?  Returns why ("set-user-ID", "set-group-ID",
 * "given file capabilities", "started with an effective user ID other
 * than its real one"...), or NULL if not, or if it cannot tell. */
const char *zp_secure_exec(int dirfd, const char *path, int at_flags);

#endif
