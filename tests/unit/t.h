/* t.h - the smallest test harness: each check prints PASS:/FAIL: lines
 * that tests/run counts.  T_CHECK(cond, fmt, ...) names the case. */
#ifndef ZP_T_H
#define ZP_T_H
#include <stdio.h>

static int t_failures;

#define T_CHECK(cond, ...)                                                  \
	do {                                                                \
		if (cond) {                                                 \
			printf("PASS: ");                                   \
		} else {                                                    \
			printf("FAIL: ");                                   \
			t_failures++;                                       \
		}                                                           \
		printf(__VA_ARGS__);                                        \
		if (!(cond))                                                \
			printf("  [%s:%d: %s]", __FILE__, __LINE__, #cond); \
		printf("\n");                                               \
		fflush(stdout);                                             \
	} while (0)

#define T_DONE() return t_failures ? 1 : 0

#endif
