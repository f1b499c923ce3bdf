/* SPDX-License-Identifier: ISC */
/*
 * The engine's own header: what its files share and nobody above sees.
 * Most of it is the transfer's (xfer.c and its phases, xfer-connect.c,
 * xfer-send.c, xfer-close.c, xfer-ack.c, over xfer-retry.c and
 * xfer-core.c); the rest is what those phases
 * call in the engine's small units (rate.c, retry.c, note.c) and what the
 * scheduler (loop.c) and net.c give them. The engine's face, what the
 * programs and libzcsend use, is engine.h.
 */

#ifndef ZC_XFER_INT_H
#define ZC_XFER_INT_H

/* struct xfer, whose layout nobody above the engine sees. */
#include "xfer-state.h"

/* Backend calls per step: bounded so progress and signals are seen. */
#define XFER_STEP_CALLS		8
/* Reads of what the receiver says, 16 KiB each, per step of the send. */
#define XFER_DISCARD_READS	64
/* How long to back off after EBUSY (pages not in memory, SF_NODISKIO). */
#define XFER_BUSY_WAIT_MS	10
/*
 * --tls: how long a receiver whose close_notify came first may take to
 * close before zcsend sends its own (see xfer_tls_end).
 */
#define XFER_NOTIFY_GRACE_MS	250
/*
 * A blocking send gives up after this long without progress, so that the
 * loop still redraws progress and checks the idle timeout.
 */
#define XFER_BLOCK_MS		100
/*
 * The fast path's pace (chunk.c): a blocking sendfile call back within
 * CHUNK_QUICK_NS doubles the next call's chunk, one that took over
 * CHUNK_SLOW_NS shrinks it, and a step that has run CHUNK_QUICK_NS goes
 * back to the loop (progress, signals).
 */
#define CHUNK_QUICK_NS		((int64_t)25 * 1000000)
#define CHUNK_SLOW_NS		((int64_t)XFER_BLOCK_MS * 1000000)
/* How often a connect to a Unix listener with a full backlog is tried. */
#define XFER_UNIX_AGAIN_MS	20

/* xfer-core.c: the bottom, which every phase calls */
void		 xfer_block(struct xfer *);
int		 xfer_use_readwrite(struct xfer *);
void		 xfer_counts(const struct xfer *, char *, size_t);
void		 xfer_fail(struct xfer *, int, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));
int		 xfer_idle_expired(struct xfer *);
const char	*xfer_retry_note(const struct xfer *);
int		 xfer_wire(const struct xfer *, uint64_t *);
int		 xfer_receiver_saw(const struct xfer *);

/* xfer-retry.c */
int		 xfer_retry_later(struct xfer *, int, struct pollfd *);

/* xfer-connect.c */
void		 xfer_tls_start(struct xfer *);
int		 xfer_handshake(struct xfer *, struct pollfd *);
int		 xfer_connect(struct xfer *, struct pollfd *);

/* xfer-send.c */
int		 xfer_send(struct xfer *, struct pollfd *);

/* xfer-close.c */
int		 xfer_discard(struct xfer *);
short		 xfer_discard_events(const struct xfer *);
void		 xfer_abort(struct xfer *);
int		 xfer_finish_send(struct xfer *, struct pollfd *);
int		 xfer_drain(struct xfer *, struct pollfd *);

/* xfer-ack.c: --ack and --resume, as the transfer's phases call them. */
void		 xfer_ack_init(struct xfer *);
int		 xfer_ack_resume(struct xfer *, struct pollfd *);
int		 xfer_ack_feed(struct xfer *, const char *, size_t);
void		 xfer_ack_eof(struct xfer *);

/* xfer.c, for the scheduler (loop.c) */
void		 xfer_interrupt(struct xfer *, int, const char *);

/* net.c */
int		 net_blocking(int, int, int);

/* note.c: -v and --retry notes through the params' hook (NULL: none) */
void		 note_emit(void (*)(const char *), const char *, ...)
		     __attribute__((__format__(__printf__, 2, 3)));

/* chunk.c: the fast path's chunk */
size_t		 chunk_next(size_t, size_t, int64_t, size_t, size_t);

/* rate.c: --rate's token bucket */
uint64_t	 rate_allows(struct rate_bucket *, uint64_t, uint64_t, size_t,
		     int64_t, int64_t *);
void		 rate_took(struct rate_bucket *, size_t);

/* retry.c: --retry's schedule */
int		 retry_retryable(int);
void		 retry_init(struct retry *, int, int);
int		 retry_schedule(struct retry *, int, int64_t);
void		 retry_begin(struct retry *);

/* sockopt.c */
const char	*sockopt_tos_name(int);

#endif /* ZC_XFER_INT_H */
