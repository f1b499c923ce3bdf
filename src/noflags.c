/* SPDX-License-Identifier: ISC */
/*
 * --sf-flags on a system whose sendfile takes no flags (every one but
 * FreeBSD and DragonFly, whose adapter parses its own): only the empty list
 * is valid.
 */

#include "config.h"

#include <sys/types.h>

#include "backend.h"

int
sf_parse_flags(const char *list, int *flags, const char **errstr)
{
	*flags = 0;
	if (*list == '\0')
		return 0;
	*errstr = "sendfile flags are not supported on " SF_OS;
	return -1;
}
