/* SPDX-License-Identifier: MIT */
/*
 * The main() of every Check suite: fork mode (a crash fails one test, not
 * the run), verbose per-test output, and RS_TEST_QUICK=1 for the
 * sanitizer build, where suites scale their random case counts down.
 */
#ifndef RS_CHECK_MAIN_H
#define RS_CHECK_MAIN_H

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int test_quick(void)
{
	const char *q = getenv("RS_TEST_QUICK");

	return q && *q && *q != '0';
}

/*
 * A test that cannot run on this machine says so, and fails: CI must
 * notice a test that proves nothing.  RS_TEST_ALLOW_SKIP lists what may be
 * skipped here (for example "avx2" on a CPU without it); then it passes
 * with a SKIP line.
 */
static inline bool test_skip(const char *what, const char *why)
{
	const char *allow = getenv("RS_TEST_ALLOW_SKIP");

	if (allow && strstr(allow, what)) {
		fprintf(stderr, "SKIP %s: %s\n", what, why);
		return true;
	}
	ck_abort_msg("cannot test %s: %s (RS_TEST_ALLOW_SKIP=%s skips it)", what, why, what);
	return false;
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
