/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/retry.c, force-included ahead of it: the jitter it
 * draws comes from fake_uniform, a generator the test seeds, instead of
 * arc4random_uniform. Only <stdint.h>, so that config.h still comes
 * first for the rest.
 */

#ifndef FAKE_RANDOM_H
#define FAKE_RANDOM_H

#include <stdint.h>

uint32_t	fake_uniform(uint32_t);

#define arc4random_uniform	fake_uniform

#endif /* FAKE_RANDOM_H */
