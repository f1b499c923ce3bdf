/* SPDX-License-Identifier: ISC */
/*
 * Connect retries (--retry, --retry-delay): which failures are worth
 * another connect, and when the next one is due. Only failures that leave
 * the receiver without a single byte qualify: a refused connect, a connect
 * or TLS handshake that timed out, and a connection reset or closed
 * before the receiver acknowledged a byte (the engine checks that).
 * The transfer engine keeps the state and asks here.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine.h"
#include "xfer-int.h"

/* Never wait longer than this between two connects, jitter included. */
#define RETRY_CAP_MS	60000

/* Does a connect that failed with err deserve another try? */
int
retry_retryable(int err)
{
	return err == ECONNREFUSED || err == ETIMEDOUT || err == ECONNRESET ||
	    err == EPIPE;
}

/*
 * Set up r for a destination: max further connects after the first, the
 * first wait delay_ms. The first connect counts as attempt 1.
 */
void
retry_init(struct retry *r, int max, int delay_ms)
{
	r->max = max;
	r->delay_ms = delay_ms;
	r->attempts = 1;
	r->at_ns = 0;
	r->notify = 0;
}

/*
 * After attempt r->attempts failed with err: returns 1 with r->at_ns set
 * to when the next connect is due, or 0 if there is to be none. The wait
 * doubles with every attempt from the first delay, is capped at a minute,
 * and is drawn at random from its upper half, so that receivers restarted
 * together are not hit by every sender in the same instant.
 */
int
retry_schedule(struct retry *r, int err, int64_t now_ns)
{
	int64_t	ms;
	int	i;

	if (!retry_retryable(err) || r->attempts > r->max)
		return 0;
	ms = r->delay_ms;
	for (i = 1; i < r->attempts && ms < RETRY_CAP_MS; i++)
		ms *= 2;
	if (ms > RETRY_CAP_MS)
		ms = RETRY_CAP_MS;
	if (ms > 1)
		ms = ms / 2 +
		    (int64_t)arc4random_uniform((uint32_t)(ms / 2 + 1));
	r->at_ns = now_ns + ms * 1000000;
	return 1;
}

/* The next connect is due: count it as begun. */
void
retry_begin(struct retry *r)
{
	r->attempts++;
	r->at_ns = 0;
}
