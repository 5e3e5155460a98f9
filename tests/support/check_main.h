/* SPDX-License-Identifier: MIT */
/*
 * The main() of every Check suite: fork mode (a crash fails one test, not
 * the run), verbose per-test output, and RS_TEST_QUICK=1 for the
 * sanitizer build, where suites scale their random case counts down.
 */
#ifndef RS_CHECK_MAIN_H
#define RS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int test_quick(void)
{
	const char *q = getenv("RS_TEST_QUICK");

	return q && *q && *q != '0';
}

#define CHECK_MAIN(make_suite)						\
int main(void)								\
{									\
	SRunner *sr = srunner_create(make_suite());			\
	int failed;							\
									\
	srunner_set_fork_status(sr, CK_FORK);				\
	srunner_run_all(sr, CK_NORMAL);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;			\
}

#endif
