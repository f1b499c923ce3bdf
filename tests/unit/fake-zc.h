/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/lib-sendfile.c on a simulated kernel, force-included
 * after the platform's fake-<os>.h: the file position that zc_sendfile
 * reads and moves when given no offset, and the access mode it checks
 * before a header goes out, live in the simulation too.
 */

#ifndef FAKE_ZC_H
#define FAKE_ZC_H

#include <sys/types.h>

#include <fcntl.h>
#include <unistd.h>

off_t	fake_lseek(int, off_t, int);
int	fake_fcntl(int, int, ...);

#define lseek		fake_lseek
#define fcntl		fake_fcntl

#endif /* FAKE_ZC_H */
