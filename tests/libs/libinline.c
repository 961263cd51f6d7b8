/* A library loaded with dlopen after start-up whose exported function makes
 * an inline system call (no libc wrapper in between). */
long inline_getppid(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
	return r;
}
