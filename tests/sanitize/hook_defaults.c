/*
 * hook_defaults.c - sanitizer options built into every hook of `make
 * sanitize`, so that a hooked program started with a cleared environment
 * (env -i keeps LIBZPHOOK, which the runtime carries across execve, but not
 * ASAN_OPTIONS) still runs.  ASan looks these functions up from its own
 * copy in the hook's link namespace, where the hook comes first.  Options
 * in ASAN_OPTIONS / UBSAN_OPTIONS are applied after these.
 *
 * The runtime and its hooks are loaded before ASan can come first; the
 * program's own SIGSEGV/SIGBUS/SIGFPE handling is its business; leak checks
 * at exit would change the program's exit status (and LSan cannot run under
 * ptrace).
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "verify_asan_link_order=0:detect_leaks=0:handle_segv=0:handle_sigbus=0:"
	       "handle_sigfpe=0";
}

const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1";
}
