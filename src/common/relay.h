/*
 * relay.h - a signal the program sends its parent, under the command.
 *
 * Under `zpoline run`/`trace` the program's parent is the command, which
 * natively does not exist: the program's getppid() is the command's pid.
 * A signal from the program reaching the command is either
 *   - meant for the program's parent (`kill -USR1 $PPID`, a daemon's
 *     "ready" signal): natively it would reach the command's parent, so
 *     the command passes it up; or
 *   - a signal to the program's whole process group (kill(0, sig),
 *     killpg(getpgrp(), sig): Apache's masters end their children so),
 *     which reaches the command only because the command is in that group.
 *     Natively it reaches the group's other members, which it did: the
 *     command must drop it (passing it up killed the shell or supervisor
 *     that started the command when that one was outside the group).
 * The kernel's siginfo does not tell one from the other (both SI_USER), so
 * the runtime, which sees the program's kill(COMMAND, sig), sends it to the
 * command as rt_sigqueueinfo with these marks instead; the command passes
 * those up as a plain kill and drops a plain SI_USER signal from the
 * program's processes while they are in its process group.
 */
#ifndef ZP_RELAY_H
#define ZP_RELAY_H

/* The command's pid, for the runtime (carried across execve). */
#define ZP_COMMAND_PID_VAR "ZPOLINE_COMMAND_PID"
/* siginfo's si_errno and si_value of a relayed kill. */
#define ZP_RELAY_ERRNO 0x7a70
#define ZP_RELAY_VALUE 0x7a706f6c696e6521ull

#endif
