/* A hook built for another version of the hook API. */
#include <zpoline.h>

int zpoline_hook_init(const struct zpoline_runtime *rt, struct zpoline_hook *hook)
{
	(void)rt;
	hook->api_version = 99;
	return 0;
}
