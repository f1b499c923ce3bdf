/* SPDX-License-Identifier: ISC */
/*
 * The event loop's scheduler. loop_run drives every mode: the transfers
 * of a push or fan-out, the clients of listen mode (with the listening
 * socket and an "accept into a free slot" callback) and each benchmark
 * run. It waits in loop_wait (loop-wait.c) and hands each transfer's step
 * what poll(2) reported for its fd.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "xfer-int.h"

/* How long accepting pauses after accept(2) fails for lack of fds. */
#define LOOP_ACCEPT_PAUSE_NS	100000000

/* The loop's working state, beside the caller's struct loop. */
struct loop_state {
	struct pollfd	*pfds;		/* what to wait for, this round */
	size_t		*owner;		/* the slot of each pfd */
	char		*ready;		/* the slot's fd fired: step it */
	struct xfer	**live;		/* the slots in use, for progress */
	size_t		 nwait;
	int		 timeout;	/* ms, -1: none */
	int64_t		 paused_until;	/* accepting pauses until then */
};

static int	loop_step_all(struct loop *, struct loop_state *);
static int	loop_listen(struct loop *, struct loop_state *, int64_t);
static void	loop_accept(struct loop *, struct loop_state *);
static void	loop_stop(struct loop *, int, const char *);
static void	loop_progress(struct loop *, struct loop_state *);
static void	loop_min_timeout(struct loop_state *, int);
static int	loop_idle_wait(const struct pollfd *, size_t, int);

static void
loop_min_timeout(struct loop_state *st, int t)
{
	if (t != -1 && (st->timeout == -1 || t < st->timeout))
		st->timeout = t;
}

/* End every transfer in flight with status (a stop signal or --fail-fast). */
static void
loop_stop(struct loop *l, int status, const char *signame)
{
	size_t	i;

	for (i = 0; i < l->nslots; i++) {
		if (l->slots[i] == NULL)
			continue;
		if (signame != NULL)
			xfer_interrupt(l->slots[i], status, signame);
		else
			xfer_stop(l->slots[i], status,
			    "another destination failed");
	}
}

/*
 * Step each transfer whose fd fired or whose deadline came, and collect
 * what the others wait for. A transfer that ends is handed to the finish
 * callback. Returns 1 to go on, 0 when the run is over.
 */
static int
loop_step_all(struct loop *l, struct loop_state *st)
{
	struct xfer	*x;
	int64_t		 now = loop_now_ns();
	size_t		 i;

	st->nwait = 0;
	st->timeout = -1;
	l->nactive = 0;
	for (i = 0; i < l->nslots; i++) {
		if ((x = l->slots[i]) == NULL || x->prog.phase == XFER_DONE ||
		    x->prog.phase == XFER_FAILED)
			continue;
		/* Not ready and not due: wait as it waited before. */
		if ((!st->ready[i] && xfer_timeout_ms(x, now) != 0) ||
		    xfer_step(x, &x->want)) {
			st->ready[i] = 0;
			st->pfds[st->nwait] = x->want;
			st->owner[st->nwait++] = i;
			l->nactive++;
			continue;
		}
		st->ready[i] = 0;
		if (x->prog.phase == XFER_FAILED && l->fail_fast) {
			loop_stop(l, x->out.status, NULL);
			return 0;
		}
		if (l->finish != NULL && l->finish(l->arg, i) == -1)
			return 0;
	}
	now = loop_now_ns();
	for (i = 0; i < st->nwait; i++)
		loop_min_timeout(st, xfer_timeout_ms(l->slots[st->owner[i]],
		    now));
	return 1;
}

/*
 * Add the listening fd to the wait when more clients may come (and a slot
 * is free). Returns 1 if the loop is still accepting.
 */
static int
loop_listen(struct loop *l, struct loop_state *st, int64_t now)
{
	size_t	i;

	if (l->listen_fd == -1 || !l->accepting(l->arg, l->nactive))
		return 0;
	for (i = 0; i < l->nslots && l->slots[i] != NULL; i++)
		;
	if (i == l->nslots)
		return 0;
	if (st->paused_until > now) {
		loop_min_timeout(st, (int)((st->paused_until - now) /
		    1000000) + 1);
		return 1;
	}
	st->pfds[st->nwait].fd = l->listen_fd;
	st->pfds[st->nwait].events = POLLIN;
	st->owner[st->nwait++] = l->nslots;
	return 1;
}

/* The listener fired: accept into the first free slot. */
static void
loop_accept(struct loop *l, struct loop_state *st)
{
	size_t	i;

	for (i = 0; i < l->nslots && l->slots[i] != NULL; i++)
		;
	if (i == l->nslots)
		return;
	switch (l->accept(l->arg, i)) {
	case 1:
		st->ready[i] = 1;
		break;
	case -1:
		st->paused_until = loop_now_ns() + LOOP_ACCEPT_PAUSE_NS;
		break;
	default:
		break;
	}
}

/* Redraw progress for the slots in use, if a redraw is due. */
static void
loop_progress(struct loop *l, struct loop_state *st)
{
	size_t	i, n = 0;

	if (l->progress == NULL)
		return;
	for (i = 0; i < l->nslots; i++)
		if (l->slots[i] != NULL)
			st->live[n++] = l->slots[i];
	if (n > 0)
		l->progress_ops->update(l->progress, st->live, n,
		    loop_now_ns());
}

/*
 * A wait for nothing but the time, with no time to wait (a transfer that
 * came back for more at once, as a blocking one does): no poll(2) is
 * needed, only a look at the stop signal. Returns 1 when that is the case.
 */
static int
loop_idle_wait(const struct pollfd *pfds, size_t n, int timeout)
{
	size_t	i;

	if (timeout != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (pfds[i].fd != -1)
			return 0;
	return loop_signalled() == 0;
}

/*
 * Run l until its transfers end (and, with a listener, until accepting
 * stops), a finish callback ends it, --fail-fast stops it, or a stop
 * signal comes: then every transfer in flight is interrupted (and handed
 * to finish) and l->signalled set. Returns 0, or -1 with errno when it
 * could not wait (the transfers in flight are left as they are).
 */
int
loop_run(struct loop *l)
{
	struct loop_state	st;
	size_t			i, n = l->nslots + 1;
	int			rc = 0, accepting, saved_errno;

	memset(&st, 0, sizeof(st));
	l->signalled = 0;
	st.pfds = calloc(n, sizeof(*st.pfds));
	st.owner = calloc(n, sizeof(*st.owner));
	st.ready = malloc(n);
	st.live = calloc(n, sizeof(struct xfer *));
	if (st.pfds == NULL || st.owner == NULL || st.ready == NULL ||
	    st.live == NULL) {
		rc = -1;
		goto out;
	}
	memset(st.ready, 1, n);
	while (loop_step_all(l, &st)) {
		accepting = loop_listen(l, &st, loop_now_ns());
		if (!accepting && st.nwait == 0)
			break;
		loop_min_timeout(&st, l->progress != NULL ?
		    l->progress_ops->due_ms(l->progress, loop_now_ns()) : -1);
		for (i = 0; i < st.nwait; i++)
			st.pfds[i].revents = 0;
		if (loop_idle_wait(st.pfds, st.nwait, st.timeout)) {
			loop_progress(l, &st);
			continue;
		}
		for (i = 0; i < st.nwait; i++)
			if (st.owner[i] < l->nslots)
				l->slots[st.owner[i]]->prog.waits++;
		if (loop_wait(st.pfds, (nfds_t)st.nwait, st.timeout) == -1) {
			if (errno != EINTR) {
				rc = -1;
				break;
			}
			l->signalled = loop_signal_status();
			loop_stop(l, l->signalled, loop_signal_name());
			for (i = 0; l->finish != NULL && i < l->nslots; i++)
				if (l->slots[i] != NULL)
					(void)l->finish(l->arg, i);
			break;
		}
		for (i = 0; i < st.nwait; i++) {
			/* The step is handed what poll reported. */
			if (st.owner[i] < l->nslots)
				l->slots[st.owner[i]]->want.revents =
				    st.pfds[i].revents;
			if (st.pfds[i].revents == 0)
				continue;
			if (st.owner[i] < l->nslots)
				st.ready[st.owner[i]] = 1;
			else
				loop_accept(l, &st);
		}
		loop_progress(l, &st);
	}
out:
	saved_errno = errno;
	free(st.pfds);
	free(st.owner);
	free(st.ready);
	free(st.live);
	errno = saved_errno;
	return rc;
}
