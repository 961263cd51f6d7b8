/* A hook whose initialisation refuses (for the error-message test). */
#include <errno.h>
#include <zpoline.h>

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	(void)hook;
	return -EINVAL;
}
