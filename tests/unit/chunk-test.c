/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/chunk.c, the fast path's chunk, on a fake clock: the
 * tests hand it each call's duration, so the next chunk is exact.
 */

#include "config.h"

#include <stdint.h>

#include "engine.h"
#include "xfer-int.h"
#include "tap.h"

#define KIB	((size_t)1024)
#define MIB	((size_t)1024 * 1024)
#define MS	((int64_t)1000000)

static int	ct_quick_doubles(void);
static int	ct_grows_to_the_ceiling(void);
static int	ct_middle_keeps(void);
static int	ct_slow_scales_to_the_pace(void);
static int	ct_cut_short_scales(void);
static int	ct_never_under_the_floor(void);
static int	ct_fixed(void);
static int	ct_last_bytes(void);

/* A call back within CHUNK_QUICK_NS doubles the chunk. */
static int
ct_quick_doubles(void)
{
	CHECK(chunk_next(512 * KIB, 512 * KIB, 1 * MS, 512 * KIB, 64 * MIB) ==
	    1 * MIB);
	CHECK(chunk_next(512 * KIB, 512 * KIB, CHUNK_QUICK_NS, 512 * KIB,
	    64 * MIB) == 1 * MIB);
	return TAP_PASS;
}

/* A fast receiver takes the chunk from 512K to the ceiling in 7 calls. */
static int
ct_grows_to_the_ceiling(void)
{
	size_t	chunk = 512 * KIB;
	int	calls;

	for (calls = 0; calls < 7; calls++)
		chunk = chunk_next(chunk, chunk, 1 * MS, 512 * KIB, 64 * MIB);
	CHECK(chunk == 64 * MIB);
	CHECK(chunk_next(chunk, chunk, 1 * MS, 512 * KIB, 64 * MIB) ==
	    64 * MIB);
	return TAP_PASS;
}

/* Between quick and slow the chunk stays: no oscillation. */
static int
ct_middle_keeps(void)
{
	CHECK(chunk_next(16 * MIB, 16 * MIB, CHUNK_QUICK_NS + 1, 512 * KIB,
	    64 * MIB) == 16 * MIB);
	CHECK(chunk_next(16 * MIB, 16 * MIB, CHUNK_SLOW_NS, 512 * KIB,
	    64 * MIB) == 16 * MIB);
	return TAP_PASS;
}

/*
 * A call over CHUNK_SLOW_NS scales the chunk to what CHUNK_QUICK_NS
 * carries at that pace: 64M in 1 s is 64 MiB/s, 25 ms of it 1.6 MiB.
 */
static int
ct_slow_scales_to_the_pace(void)
{
	CHECK(chunk_next(64 * MIB, 64 * MIB, 1000 * MS, 512 * KIB,
	    64 * MIB) == (size_t)((uint64_t)64 * MIB * 25 / 1000));
	return TAP_PASS;
}

/*
 * A call its timeout cut short, 8M of 16M in 200 ms, scales the chunk to
 * that pace too: 25 ms of it is 1M. Cut short at once (a signal), it
 * says nothing of the pace.
 */
static int
ct_cut_short_scales(void)
{
	CHECK(chunk_next(16 * MIB, 8 * MIB, 200 * MS, 512 * KIB, 16 * MIB) ==
	    1 * MIB);
	CHECK(chunk_next(16 * MIB, 1 * MIB, 2 * MS, 512 * KIB, 16 * MIB) ==
	    16 * MIB);
	return TAP_PASS;
}

/* However slow the receiver, the chunk is not cut under the floor. */
static int
ct_never_under_the_floor(void)
{
	CHECK(chunk_next(64 * MIB, 64 * MIB, 60000 * MS, 512 * KIB,
	    64 * MIB) == 512 * KIB);
	return TAP_PASS;
}

/* --max-chunk given: the ceiling is the floor, and the chunk stays. */
static int
ct_fixed(void)
{
	CHECK(chunk_next(4 * KIB, 4 * KIB, 1 * MS, 4 * KIB, 4 * KIB) ==
	    4 * KIB);
	CHECK(chunk_next(4 * KIB, 4 * KIB, 1000 * MS, 4 * KIB, 4 * KIB) ==
	    4 * KIB);
	/* A ceiling of 0 (the library's) fixes it too. */
	CHECK(chunk_next(512 * KIB, 512 * KIB, 1 * MS, 512 * KIB, 0) ==
	    512 * KIB);
	return TAP_PASS;
}

/* The file's last bytes, under a chunk, say nothing of the pace. */
static int
ct_last_bytes(void)
{
	CHECK(chunk_next(8 * MIB, 100, 1 * MS, 512 * KIB, 64 * MIB) ==
	    8 * MIB);
	return TAP_PASS;
}

int
main(void)
{
	static const struct tap_test tests[] = {
		{ "a quick call doubles the chunk", ct_quick_doubles },
		{ "a fast receiver takes it to the ceiling",
		    ct_grows_to_the_ceiling },
		{ "between quick and slow it stays", ct_middle_keeps },
		{ "a slow call scales it to the pace",
		    ct_slow_scales_to_the_pace },
		{ "a call cut short scales it to its pace",
		    ct_cut_short_scales },
		{ "never under the floor", ct_never_under_the_floor },
		{ "a given --max-chunk stays fixed", ct_fixed },
		{ "the file's last bytes leave it as it is", ct_last_bytes },
	};

	return tap_run(tests, TAP_COUNT(tests));
}
