/* SPDX-License-Identifier: ISC */
/*
 * --rate: the token bucket that paces a transfer. It holds at most a
 * tenth of a second's worth of bytes (at least 1), starts full when
 * sending starts, and refills at the rate; each byte sent takes a token
 * (rate_took). So over any interval the bytes sent stay at or under rate
 * times its length plus one bucket, and waiting never piles up credit.
 * To spare the system calls and wakeups of a trickle, once the bucket is
 * drained below a chunk it waits for a hundredth of a second's worth (or
 * what is left to send) before it releases any. Until drained it goes on
 * releasing chunk by chunk, so a --max-chunk under that hundredth still
 * reaches the rate. The clock is the caller's: the unit tests drive it.
 */

#include "config.h"

#include <stdint.h>

#include "engine.h"
#include "xfer-int.h"

/*
 * How many bytes may go out at now_ns, with left bytes still to send
 * (COUNT_TO_EOF: not known) in calls of at most max_chunk. Returns 0 when
 * none may yet, with *due_ns set to when enough will have come.
 */
uint64_t
rate_allows(struct rate_bucket *b, uint64_t rate, uint64_t left,
    size_t max_chunk, int64_t now_ns, int64_t *due_ns)
{
	uint64_t	cap, want, chunk;

	cap = rate / 10;
	if (cap < 1)
		cap = 1;
	if (b->ns == 0)
		b->tokens = (double)cap;
	else if (now_ns > b->ns) {
		b->tokens += (double)(now_ns - b->ns) / 1e9 * (double)rate;
		if (b->tokens > (double)cap)
			b->tokens = (double)cap;
	}
	b->ns = now_ns;
	want = rate / 100;
	if (want < 1)
		want = 1;
	if (want > cap)
		want = cap;
	if (left != COUNT_TO_EOF && left > 0 && left < want)
		want = left;
	chunk = want < max_chunk ? want : max_chunk;
	if (b->tokens >= (double)want ||
	    (b->draining && b->tokens >= (double)chunk)) {
		b->draining = 1;
		return (uint64_t)b->tokens;
	}
	b->draining = 0;
	*due_ns = now_ns + (int64_t)(((double)want - b->tokens) /
	    (double)rate * 1e9) + 1;
	return 0;
}

/* n bytes went out: they take their tokens. */
void
rate_took(struct rate_bucket *b, size_t n)
{
	b->tokens -= (double)n;
}
