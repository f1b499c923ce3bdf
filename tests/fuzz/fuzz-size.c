/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the size and time parsers of src/parse.c:
 * parse_size, parse_seconds, parse_rate and parse_size_list.
 *
 * Besides the sanitizers' own checks it holds each parser to its contract:
 * on failure an error string, on success a value inside the documented
 * range, for plain digits the same value strtoull(3) reads, and for
 * seconds the value to the millisecond, where no time above zero becomes
 * zero (0 means "no timeout" to --idle-timeout).
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

#define LIST_MAX	BENCH_MAX_BLOCK_SIZES
#define GIB		((uint64_t)1 << 30)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* An error must come with a non-empty reason for the message. */
static void
check_errstr(int rc, const char *errstr)
{
	if (rc == -1 && (errstr == NULL || *errstr == '\0'))
		abort();
	if (rc != 0 && rc != -1)
		abort();
}

/*
 * Digits alone must give what strtoull gives, or "too large" past 2^63 - 1
 * (sizes end up in off_t).
 */
static void
check_digits(const char *s, int rc, uint64_t v, const char *errstr)
{
	unsigned long long	 want;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return;
	errno = 0;
	want = strtoull(s, NULL, 10);
	if (errno == ERANGE || want > (unsigned long long)INT64_MAX) {
		if (rc != -1 || strcmp(errstr, "too large") != 0)
			abort();
	} else if (rc != 0 || v != want)
		abort();
}

/*
 * Accepted seconds must be what strtod(3) reads, rounded up to whole
 * milliseconds (give or take the last bit of a double): never 0 for a
 * time above 0.
 */
static void
check_seconds(const char *s, int ms)
{
	double	 want;

	want = strtod(s, NULL) * 1000.0;
	if (want > 0 && ms == 0)
		abort();
	if (fabs(ms - ceil(want)) > 1.0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		 sizes[LIST_MAX];
	const char	*errstr;
	char		*s;
	uint64_t	 v;
	int		 i, ms, n, rc;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	errstr = NULL;
	v = 0;
	rc = parse_size(s, &v, &errstr);
	check_errstr(rc, errstr);
	if (rc == 0 && v > (uint64_t)INT64_MAX)
		abort();
	check_digits(s, rc, v, errstr);

	errstr = NULL;
	ms = -1;
	rc = parse_seconds(s, &ms, &errstr);
	check_errstr(rc, errstr);
	if (rc == 0 && (ms < 0 || ms > 86400 * 1000))
		abort();
	if (rc == 0)
		check_seconds(s, ms);

	errstr = NULL;
	v = 0;
	rc = parse_rate(s, &v, &errstr);
	check_errstr(rc, errstr);
	if (rc == 0 && (v == 0 || v > (uint64_t)INT64_MAX))
		abort();

	errstr = NULL;
	n = -1;
	rc = parse_size_list(s, sizes, LIST_MAX, &n, &errstr);
	check_errstr(rc, errstr);
	if (rc == 0) {
		if (n < 1 || n > LIST_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (sizes[i] == 0 || sizes[i] > GIB)
				abort();
	}

	free(s);
	return 0;
}
