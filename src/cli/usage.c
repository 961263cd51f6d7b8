/*
 * usage.c - the --help texts.  The man page (docs/zpoline.1) says the same
 * at length; keep the two in step.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define RUN_OPTIONS                                                                   \
	"      --hook LIB           add a hook library: a short name (count, pass,\n"    \
	"                           trace, inject, ...) or a path; may be repeated\n"    \
	"      --mode MODE          auto (the runtime picks), zpoline (page 0\n"        \
	"                           trampoline), net (zpoline plus a Syscall User\n"    \
	"                           Dispatch safety net), sud (no page 0, every\n"     \
	"                           call traps) or detour (no page 0, each site\n"    \
	"                           jumps to a trampoline of its own)\n"              \
	"      --set-mmap-min-addr  if page 0 cannot be mapped and we are root, set\n"   \
	"                           vm.mmap_min_addr to 0 first\n"                     \
	"      --from-start         load PROG with zpoline-loader, so that ld.so's\n"  \
	"                           and the constructors' calls are hooked too\n"

void help_main(void)
{
	printf("Usage: zpoline COMMAND [OPTIONS] [--] PROG [ARGS...]\n"
	       "Hooks every system call of an unmodified program, in its own process.\n"
	       "\n"
	       "Commands:\n"
	       "  run     run PROG under the runtime, with the hook libraries given\n"
	       "  trace   run PROG and print its system calls, like strace\n"
	       "  inject  run PROG and make chosen system calls fail\n"
	       "  doctor  check that this machine can run zpoline, and say how to fix it\n"
	       "  help [COMMAND]  show help\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help     show this help (zpoline COMMAND --help: that command's)\n"
	       "  -V, --version  show the version\n"
	       "\n"
	       "The exit status is PROG's, or 128+N if signal N killed it; 2 for bad\n"
	       "arguments, 126 if PROG cannot be executed, 127 if it is not found.\n"
	       "See zpoline(1).\n");
}

static void help_run(void)
{
	printf("Usage: zpoline run [--hook LIB]... [--mode MODE] [--set-mmap-min-addr] [--from-start]\n"
	       "                   [--] PROG [ARGS...]\n"
	       "Runs PROG with libzpoline.so preloaded and the hook libraries loaded.\n"
	       "\n" RUN_OPTIONS
	       "  -h, --help               show this help\n"
	       "\n"
	       "Without --hook, LIBZPHOOK is passed on from the environment unchanged.\n"
	       "Static programs are loaded by zpoline-loader (LD_PRELOAD cannot reach them).\n"
	       "If page 0 cannot be mapped, says why and how to fix it, and runs in\n"
	       "sud mode unless --mode was given.\n");
}

static void help_trace(void)
{
	printf("Usage: zpoline trace [OPTIONS] [RUN OPTIONS] [--] PROG [ARGS...]\n"
	       "Runs PROG under the trace hook and prints its system calls as strace does.\n"
	       "\n"
	       "  -o, --output FILE        write the trace to FILE (default: standard error)\n"
	       "  -f                       follow child processes and threads\n"
	       "  -ff                      with -o, one file per process or thread: FILE.TID\n"
	       "  -c, --summary-only       print only a summary table (time, calls, errors)\n"
	       "  -C, --summary            print the trace and the summary\n"
	       "  -e, --expr EXPR          trace=SET (names, /REGEX, %%file %%process\n"
	       "                           %%network %%memory %%signal %%desc ..., ! to negate),\n"
	       "                           status=SET (successful failed unavailable all\n"
	       "                           none, ! to negate), signal=SET (deliveries\n"
	       "                           shown: names, numbers, all, none, ! to\n"
	       "                           negate) or inject=SPEC (as in zpoline\n"
	       "                           inject), raw=SET (undecoded), read=FDS and\n"
	       "                           write=FDS (data read from or written to those\n"
	       "                           descriptors dumped in hex), quiet=, decode-fds=;\n"
	       "                           may be repeated\n"
	       "  -t, -tt, -ttt            prefix each line with the time of day, with\n"
	       "                           microseconds, or as seconds since the epoch\n"
	       "  -T                       show the time spent in each call\n"
	       "  -r                       show the time since the line before\n"
	       "  -i                       show where each call returns to\n"
	       "  -n                       show each call's number\n"
	       "  -x, -xx                  strings with non-ASCII bytes, or all, in hex\n"
	       "  -X abbrev                constants by name (strace's default; raw and\n"
	       "                           verbose are not supported)\n"
	       "  -v                       structures in full (stat, statx, uname,\n"
	       "                           execve's environment), arrays without -s's limit\n"
	       "  -a N                     results start at column N (default 40)\n"
	       "  -A                       with -o, append to FILE\n"
	       "  -S BY                    -c table order: time calls errors name avg-time\n"
	       "                           nothing (-w is accepted: times are wall-clock)\n"
	       "  -E VAR=VAL, -E VAR       set or remove VAR in the program's environment\n"
	       "  -s, --string-limit N     print at most N bytes of each string (default 32)\n"
	       "  -y                       print paths for file descriptors\n"
	       "  -yy                      also sockets' protocols and ends, devices' numbers\n"
	       "  -Y                       print command names after process ids: 1234<sh>\n"
	       "  -P, --trace-path PATH    only calls that use PATH (by name or descriptor)\n"
	       "  -z, --successful-only    print only calls that succeeded\n"
	       "  -Z, --failed-only        print only calls that failed\n"
	       "  -q, --quiet              -qq: no \"+++ exited with N +++\" lines\n"
	       "      --json               one JSON object per call instead of strace lines\n"
	       "strace's long options are accepted too (--output=FILE, --trace=SET, ...;\n"
	       "see docs/tracing.md)\n"
	       "\n" RUN_OPTIONS
	       "  -h, --help               show this help\n");
}

static void help_inject(void)
{
	printf("Usage: zpoline inject SPEC... [RUN OPTIONS] -- PROG [ARGS...]\n"
	       "Runs PROG under the inject hook: matching system calls are not made\n"
	       "and return the error (or value) of the spec instead.\n"
	       "\n"
	       "SPEC: SYSCALL[,SYSCALL...]:error=ERRNO[:when=WHEN][:path=PATH]\n"
	       "   or SYSCALL[,SYSCALL...]:retval=VALUE[:when=WHEN][:path=PATH]\n"
	       "  ERRNO  a name (ENOSPC, EINTR, ...) or a number\n"
	       "  WHEN   N: only the Nth matching call; N+: the Nth and every later one;\n"
	       "         N+STEP: the Nth and every STEP-th after it (default: every call)\n"
	       "  PATH   only calls whose path argument is PATH\n"
	       "\n"
	       "Without '--', the first argument that is neither an option nor a spec\n"
	       "(it has no ':') is PROG.  WHEN counts the calls the hook sees: without\n"
	       "--from-start, not those ld.so makes before the runtime starts.\n"
	       "\n"
	       "  -e inject=SPEC, --inject=SPEC\n"
	       "                           a SPEC, as strace spells it\n" RUN_OPTIONS
	       "  -h, --help               show this help\n"
	       "\n"
	       "Example: zpoline inject write:error=ENOSPC:when=2+ -- dd if=/dev/zero of=x count=4\n");
}

static void help_doctor(void)
{
	printf("Usage: zpoline doctor\n"
	       "Checks what zpoline needs from this machine and this process: the kernel,\n"
	       "vm.mmap_min_addr, mapping page 0, SELinux, PKU (execute-only memory),\n"
	       "Syscall User Dispatch, the highest system call number the kernel has,\n"
	       "and the runtime and hook libraries.  For every problem it prints the\n"
	       "command that fixes it.  Exits 0 if zpoline can work here, 1 if not.\n");
}

bool help_command(const char *cmd)
{
	if (!strcmp(cmd, "run"))
		help_run();
	else if (!strcmp(cmd, "trace"))
		help_trace();
	else if (!strcmp(cmd, "inject"))
		help_inject();
	else if (!strcmp(cmd, "doctor"))
		help_doctor();
	else
		return false;
	return true;
}
