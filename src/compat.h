/* SPDX-License-Identifier: ISC */
/*
 * What some platforms lack, supplied by compat/ (AC_REPLACE_FUNCS).
 */

#ifndef COMPAT_H
#define COMPAT_H

#include <stdlib.h>

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif

#ifndef HAVE_STRTONUM
long long	 strtonum(const char *, long long, long long, const char **);
#endif
#ifndef HAVE_GETPROGNAME
const char	*getprogname(void);
#endif

#endif /* COMPAT_H */
