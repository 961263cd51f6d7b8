/*
 * cli.h - what the subcommands of the zpoline command share.
 */
#ifndef ZP_CLI_H
#define ZP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define ZPOLINE_VERSION "0.1.0"

/* Exit statuses of the command itself (the program's status otherwise). */
#define EXIT_USAGE 2       /* bad arguments, missing files: nothing was run */
#define EXIT_NOEXEC 126    /* the program exists but cannot be executed */
#define EXIT_NOTFOUND 127  /* the program does not exist */

/* One line on stderr, "zpoline CMD: message (try 'zpoline CMD --help')",
 * then exit 2. */
__attribute__((noreturn, format(printf, 2, 3)))
void usage_error(const char *cmd, const char *fmt, ...);

/* One line on stderr, "zpoline: message". */
__attribute__((format(printf, 1, 2)))
void say(const char *fmt, ...);

/* One line on stderr, "zpoline: message", then exit with status. */
__attribute__((noreturn, format(printf, 2, 3)))
void die(int status, const char *fmt, ...);

/* Help texts (usage.c). */
void help_main(void);
bool help_command(const char *cmd); /* false if there is no such command */

/* Subcommands; argv[0] is the subcommand's name. */
int cmd_run(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

/* Reads a whole small file (e.g. under /proc) into buf, NUL terminated,
 * trailing newline removed.  Returns 0, or -errno. */
int read_small_file(const char *path, char *buf, size_t size);

#endif
