/* gouse - calls golib's GoPids(777): linked to libgolib.so (built with
 * -DLINKED), or loaded with dlopen after start-up (gouse-dl LIBRARY). */
#include <dlfcn.h>
#include <stdio.h>

#ifdef LINKED
int GoPids(int n);
#endif

int main(int argc, char **argv)
{
#ifdef LINKED
	int (*f)(int) = GoPids;
	(void)argc;
	(void)argv;
#else
	void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;
	int (*f)(int) = h ? (int (*)(int))dlsym(h, "GoPids") : NULL;
	if (!f) {
		fprintf(stderr, "gouse-dl: %s\n", argc > 1 ? dlerror() : "usage: gouse-dl LIBRARY");
		return 1;
	}
#endif
	printf("GoPids: %d\n", f(777));
	return 0;
}
