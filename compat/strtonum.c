/* SPDX-License-Identifier: ISC */
/*
 * strtonum(3) for platforms without it (macOS before 11, Solaris, AIX).
 * Same contract as OpenBSD's: min..max, errstr "invalid", "too small" or
 * "too large", and 0 on failure.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "compat.h"

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstrp)
{
	long long	 value = 0;
	const char	*errstr = NULL;
	char		*end;

	if (minval > maxval)
		errstr = "invalid";
	else {
		errno = 0;
		value = strtoll(s, &end, 10);
		if (s == end || *end != '\0')
			errstr = "invalid";
		else if ((value == LLONG_MIN && errno == ERANGE) ||
		    value < minval)
			errstr = "too small";
		else if ((value == LLONG_MAX && errno == ERANGE) ||
		    value > maxval)
			errstr = "too large";
	}
	if (errstrp != NULL)
		*errstrp = errstr;
	return errstr != NULL ? 0 : value;
}
