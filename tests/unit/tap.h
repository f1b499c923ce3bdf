/* SPDX-License-Identifier: ISC */
/*
 * A small TAP producer for the unit tests: one "ok"/"not ok" line per test
 * function, the reason of a failure as a "#" comment.
 */

#ifndef TAP_H
#define TAP_H

#include <stddef.h>

#define TAP_PASS	1
#define TAP_FAIL	0
#define TAP_SKIP	2

struct tap_test {
	const char	*name;
	int		(*fn)(void);	/* TAP_PASS, TAP_FAIL or TAP_SKIP */
};

int	tap_run(const struct tap_test *, size_t);
int	tap_fail(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
int	tap_skip(const char *);

#define TAP_COUNT(a)	(sizeof(a) / sizeof((a)[0]))

/* Fail the current test, naming the line and the condition. */
#define CHECK(cond) do {						\
	if (!(cond))							\
		return tap_fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
} while (0)

#endif /* TAP_H */
