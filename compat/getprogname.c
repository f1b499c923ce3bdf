/* SPDX-License-Identifier: ISC */
/*
 * getprogname(3) for platforms without it: zcsend is always "zcsend" in
 * its messages, which is what its manual documents.
 */

#include "config.h"

#include "compat.h"

const char *
getprogname(void)
{
	return "zcsend";
}
