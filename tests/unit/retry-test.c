/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/retry.c (--retry, --retry-delay): which failures earn
 * another connect, how many, and when each is due. The jitter comes from
 * a seeded generator (fake-random.h), so every wait is known exactly.
 */

#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "engine.h"
#include "xfer-int.h"
#include "tap.h"

#define MS	INT64_C(1000000)
#define NOW	(INT64_C(5) * 1000000000)

/*
 * The generator: xorshift32 from a seed, or, with fixed set, always that
 * value (capped below the bound). Each draw is recorded.
 */
static uint32_t	rng_state;
static int	rng_fixed = -1;	/* -1: draw; 0: lowest; 1: highest */
static uint32_t	last_bound, last_draw;
static int	draws;

static void	rng_seed(uint32_t, int);
static int	rt_retryable(void);
static int	rt_max(void);
static int	rt_doubling(void);
static int	rt_cap(void);
static int	rt_no_jitter(void);
static int	rt_seeded(void);

uint32_t
fake_uniform(uint32_t bound)
{
	if (rng_fixed == 0)
		last_draw = 0;
	else if (rng_fixed == 1)
		last_draw = bound - 1;
	else {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 17;
		rng_state ^= rng_state << 5;
		last_draw = rng_state % bound;
	}
	last_bound = bound;
	draws++;
	return last_draw;
}

static void
rng_seed(uint32_t seed, int fixed)
{
	rng_state = seed;
	rng_fixed = fixed;
	last_bound = last_draw = 0;
	draws = 0;
}

/*
 * Only a refused, timed-out, reset or closed (EPIPE: a handshake the
 * receiver closed) connect is tried again.
 */
static int
rt_retryable(void)
{
	static const int	no[] = { EHOSTUNREACH, ENETUNREACH, EACCES,
	    ENOENT, 0 };
	struct retry		r;
	size_t			i;

	CHECK(retry_retryable(ECONNREFUSED));
	CHECK(retry_retryable(ETIMEDOUT));
	CHECK(retry_retryable(ECONNRESET));
	CHECK(retry_retryable(EPIPE));
	rng_seed(1, 0);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CHECK(!retry_retryable(no[i]));
		retry_init(&r, 5, 1000);
		CHECK(retry_schedule(&r, no[i], NOW) == 0);
		CHECK(r.at_ns == 0);
	}
	CHECK(draws == 0);
	return TAP_PASS;
}

/* --retry 2: two connects after the first, then no more. */
static int
rt_max(void)
{
	struct retry	r;

	rng_seed(1, 0);
	retry_init(&r, 2, 1000);
	CHECK(r.attempts == 1 && r.at_ns == 0 && r.max == 2);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	retry_begin(&r);
	CHECK(r.attempts == 2 && r.at_ns == 0);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	retry_begin(&r);
	CHECK(r.attempts == 3);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 0);
	CHECK(r.at_ns == 0);

	retry_init(&r, 0, 1000);	/* no --retry */
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 0);
	return TAP_PASS;
}

/*
 * The wait doubles from --retry-delay with each attempt and is drawn from
 * its upper half: the lowest draw gives half, the highest all of it.
 */
static int
rt_doubling(void)
{
	static const int64_t	full[] = { 1000, 2000, 4000, 8000, 16000 };
	struct retry		r;
	size_t			i;

	rng_seed(1, 0);
	retry_init(&r, 10, 1000);
	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		CHECK(retry_schedule(&r, ETIMEDOUT, NOW) == 1);
		CHECK(last_bound == (uint32_t)(full[i] / 2 + 1));
		CHECK(r.at_ns == NOW + full[i] / 2 * MS);
		retry_begin(&r);
	}
	rng_seed(1, 1);
	retry_init(&r, 10, 1000);
	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		CHECK(retry_schedule(&r, ETIMEDOUT, NOW) == 1);
		CHECK(r.at_ns == NOW + full[i] * MS);
		retry_begin(&r);
	}
	return TAP_PASS;
}

/* Never more than a minute, however many attempts; no overflow. */
static int
rt_cap(void)
{
	struct retry	r;
	int		i;

	rng_seed(1, 1);
	retry_init(&r, 1000, 40000);
	CHECK(retry_schedule(&r, ECONNRESET, NOW) == 1);
	CHECK(r.at_ns == NOW + 40000 * MS);
	retry_begin(&r);
	CHECK(retry_schedule(&r, ECONNRESET, NOW) == 1);
	CHECK(last_bound == 30001);
	CHECK(r.at_ns == NOW + 60000 * MS);
	for (i = 0; i < 200; i++)
		retry_begin(&r);
	CHECK(r.attempts == 202);
	CHECK(retry_schedule(&r, ECONNRESET, NOW) == 1);
	CHECK(r.at_ns == NOW + 60000 * MS);
	rng_seed(1, 0);
	CHECK(retry_schedule(&r, ECONNRESET, NOW) == 1);
	CHECK(r.at_ns == NOW + 30000 * MS);

	retry_init(&r, 3, 60000);	/* a cap-sized first delay */
	CHECK(retry_schedule(&r, ECONNRESET, NOW) == 1);
	CHECK(last_bound == 30001);
	CHECK(r.at_ns == NOW + 30000 * MS);
	return TAP_PASS;
}

/* --retry-delay 0 and 1: nothing to halve, no draw. */
static int
rt_no_jitter(void)
{
	struct retry	r;

	rng_seed(1, 1);
	retry_init(&r, 3, 0);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	CHECK(r.at_ns == NOW);
	retry_begin(&r);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	CHECK(r.at_ns == NOW);
	retry_init(&r, 3, 1);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	CHECK(r.at_ns == NOW + 1 * MS);
	CHECK(draws == 0);
	retry_begin(&r);
	CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
	CHECK(draws == 1 && last_bound == 2);
	CHECK(r.at_ns == NOW + 2 * MS);	/* 2 ms: 1 + the highest draw, 1 */
	return TAP_PASS;
}

/*
 * A seeded run: the same seed gives the same waits, each half the full
 * wait plus the draw, from a bound of half the full wait plus one.
 */
static int
rt_seeded(void)
{
	static const int64_t	full[] = { 250, 500, 1000, 2000, 4000, 8000 };
	int64_t			first[6];
	struct retry		r;
	size_t			i;
	int			run;

	for (run = 0; run < 2; run++) {
		rng_seed(2463534242U, -1);
		retry_init(&r, 6, 250);
		for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
			CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 1);
			CHECK(last_bound == (uint32_t)(full[i] / 2 + 1));
			CHECK(r.at_ns == NOW + (full[i] / 2 + last_draw) * MS);
			CHECK(r.at_ns >= NOW + full[i] / 2 * MS);
			CHECK(r.at_ns <= NOW + full[i] * MS);
			if (run == 0)
				first[i] = r.at_ns;
			else
				CHECK(r.at_ns == first[i]);
			retry_begin(&r);
		}
		CHECK(retry_schedule(&r, ECONNREFUSED, NOW) == 0);
		CHECK(draws == 6);
	}
	return TAP_PASS;
}

int
main(void)
{
	static const struct tap_test tests[] = {
		{ "only refused, timed-out, reset and closed connects are retried",
		    rt_retryable },
		{ "--retry N: N connects after the first", rt_max },
		{ "the wait doubles, drawn from its upper half", rt_doubling },
		{ "the wait is capped at a minute", rt_cap },
		{ "a delay of 0 or 1 ms has no jitter", rt_no_jitter },
		{ "a seeded generator gives the same waits", rt_seeded },
	};

	return tap_run(tests, TAP_COUNT(tests));
}
