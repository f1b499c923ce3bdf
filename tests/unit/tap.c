/* SPDX-License-Identifier: ISC */
/*
 * A small TAP producer: prints the plan first, then one line per test, as
 * the automake TAP driver expects.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static char	tap_reason[1024];

/* Record why the running test failed (the first reason wins). */
int
tap_fail(const char *fmt, ...)
{
	va_list	ap;

	if (tap_reason[0] == '\0') {
		va_start(ap, fmt);
		(void)vsnprintf(tap_reason, sizeof(tap_reason), fmt, ap);
		va_end(ap);
	}
	return TAP_FAIL;
}

/* Record why the running test was skipped. */
int
tap_skip(const char *why)
{
	(void)snprintf(tap_reason, sizeof(tap_reason), "%s", why);
	return TAP_SKIP;
}

/* Run n tests. Returns the exit status: 0 if none failed, else 1. */
int
tap_run(const struct tap_test *t, size_t n)
{
	size_t	i;
	int	failed, rv;

	printf("1..%zu\n", n);
	fflush(stdout);
	failed = 0;
	for (i = 0; i < n; i++) {
		tap_reason[0] = '\0';
		rv = t[i].fn();
		if (rv == TAP_SKIP)
			printf("ok %zu - %s # SKIP %s\n", i + 1, t[i].name,
			    tap_reason);
		else if (rv == TAP_PASS)
			printf("ok %zu - %s\n", i + 1, t[i].name);
		else {
			printf("not ok %zu - %s\n", i + 1, t[i].name);
			printf("# %s\n", tap_reason[0] != '\0' ? tap_reason :
			    "no reason given");
			failed = 1;
		}
		fflush(stdout);
	}
	return failed;
}
