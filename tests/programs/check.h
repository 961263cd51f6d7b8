/* check.h - PASS/FAIL lines for the test programs that print their own
 * (tests/run counts them); `fails` says how many failed. */
#ifndef ZP_TEST_CHECK_H
#define ZP_TEST_CHECK_H
#include <stdio.h>

static int fails;
#define CHECK(cond, what)                                           \
	do {                                                        \
		int ok_ = (cond);                                   \
		printf("%s: %s\n", ok_ ? "PASS" : "FAIL", what);    \
		fails += !ok_;                                      \
	} while (0)

#endif
