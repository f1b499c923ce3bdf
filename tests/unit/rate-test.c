/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/rate.c, --rate's token bucket, on a fake clock: the
 * tests hand it the time, so what it allows is exact.
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "engine.h"
#include "xfer-int.h"
#include "tap.h"

#define NS	1000000000LL

static int	rt_starts_full(void);
static int	rt_waits_for_a_hundredth(void);
static int	rt_no_credit_piles_up(void);
static int	rt_one_second_at_most_rate_plus_bucket(void);
static int	rt_last_bytes(void);
static int	rt_slow_rate(void);
static int	rt_drains_chunk_by_chunk(void);

/* 1000 B/s: a bucket of 100, released 10 at a time, starts full. */
static int
rt_starts_full(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS, &due) == 100);
	CHECK(due == 0);
	return TAP_PASS;
}

/* Drained, it waits until a hundredth of a second's worth has come. */
static int
rt_waits_for_a_hundredth(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS, &due) == 100);
	rate_took(&b, 100);
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS, &due) == 0);
	CHECK(due == NS + NS / 100 + 1);
	/* Not yet: a byte short of the 10. */
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS + 9 * NS / 1000,
	    &due) == 0);
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS + NS / 100 + 1,
	    &due) == 10);
	return TAP_PASS;
}

/* Ten idle seconds give one bucket, not ten seconds' worth. */
static int
rt_no_credit_piles_up(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, NS, &due) == 100);
	rate_took(&b, 100);
	CHECK(rate_allows(&b, 1000, COUNT_TO_EOF, 65536, 11 * NS, &due) ==
	    100);
	return TAP_PASS;
}

/*
 * A sender that takes all it is allowed, as soon as it is allowed, sends
 * in one second the rate plus the first bucket, never more.
 */
static int
rt_one_second_at_most_rate_plus_bucket(void)
{
	struct rate_bucket	b;
	uint64_t		sent = 0, n;
	int64_t			now = NS, due = 0;

	memset(&b, 0, sizeof(b));
	while (now <= 2 * NS) {
		n = rate_allows(&b, 100000, COUNT_TO_EOF, 4096, now, &due);
		if (n == 0) {
			CHECK(due > now);
			now = due;
			continue;
		}
		if (n > 4096)
			n = 4096;
		rate_took(&b, (size_t)n);
		sent += n;
	}
	CHECK(sent <= 100000 + 10000);
	CHECK(sent >= 100000 + 10000 - 1000);
	return TAP_PASS;
}

/* The last few bytes need not wait for a whole hundredth's worth. */
static int
rt_last_bytes(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 1000, 103, 65536, NS, &due) == 100);
	rate_took(&b, 100);
	CHECK(rate_allows(&b, 1000, 3, 65536, NS, &due) == 0);
	CHECK(due == NS + 3 * NS / 1000 + 1);
	CHECK(rate_allows(&b, 1000, 3, 65536, due, &due) == 3);
	return TAP_PASS;
}

/* Under 10 B/s the bucket holds one byte, released one at a time. */
static int
rt_slow_rate(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 4, COUNT_TO_EOF, 65536, NS, &due) == 1);
	rate_took(&b, 1);
	CHECK(rate_allows(&b, 4, COUNT_TO_EOF, 65536, NS, &due) == 0);
	CHECK(due == NS + NS / 4 + 1);
	CHECK(rate_allows(&b, 4, COUNT_TO_EOF, 65536, due, &due) == 1);
	return TAP_PASS;
}

/*
 * Once releasing, it goes on while a chunk's worth is left, even below a
 * hundredth's worth, so a --max-chunk under that still reaches the rate;
 * drained below a chunk, it waits for a hundredth's worth again.
 */
static int
rt_drains_chunk_by_chunk(void)
{
	struct rate_bucket	b;
	int64_t			due = 0;

	memset(&b, 0, sizeof(b));
	CHECK(rate_allows(&b, 100000, COUNT_TO_EOF, 100, NS, &due) == 10000);
	rate_took(&b, 10000 - 500);
	CHECK(rate_allows(&b, 100000, COUNT_TO_EOF, 100, NS, &due) == 500);
	rate_took(&b, 450);
	CHECK(rate_allows(&b, 100000, COUNT_TO_EOF, 100, NS, &due) == 0);
	CHECK(due == NS + (int64_t)((1000 - 50) / 100000.0 * 1e9) + 1);
	return TAP_PASS;
}

int
main(void)
{
	static const struct tap_test tests[] = {
		{ "a bucket starts full", rt_starts_full },
		{ "drained, it waits for a hundredth of a second's worth",
		    rt_waits_for_a_hundredth },
		{ "idle time gives one bucket at most",
		    rt_no_credit_piles_up },
		{ "one second sends the rate plus one bucket at most",
		    rt_one_second_at_most_rate_plus_bucket },
		{ "the last bytes wait only for themselves", rt_last_bytes },
		{ "under 10 B/s one byte at a time", rt_slow_rate },
		{ "it drains chunk by chunk once releasing",
		    rt_drains_chunk_by_chunk },
	};

	return tap_run(tests, TAP_COUNT(tests));
}
