/* SPDX-License-Identifier: ISC */
/*
 * The layout of a transfer, struct xfer, and of its parts: the engine's
 * alone. Only engine files include it (through xfer-int.h); above the
 * engine struct xfer is opaque, made by xfer_new and read through the
 * accessors of engine.h (tests/90-docs.bats checks).
 */

#ifndef ZC_XFER_STATE_H
#define ZC_XFER_STATE_H

/* A destination's connect retries (retry.c). */
struct retry {
	int		 max;		/* connects allowed after the first */
	int		 delay_ms;	/* the first wait */
	int		 attempts;	/* connects begun */
	int64_t		 at_ns;		/* the next one is due; 0: none */
	int		 notify;	/* say so on stderr at each retry */
};

/* A transfer's connection: the socket, or the connect under way. */
struct xfer_conn {
	int			 sock;		/* -1 until connected */
	const char		*peer;		/* for messages */
	const char		*host;		/* for --json */
	const char		*port;
	struct addrinfo		*ai_list;	/* owned: xfer_free frees it */
	struct addrinfo		*ai_next;	/* the next one to try */
	const struct addrinfo	*ai_now;	/* the one being tried */
	int			 connecting;	/* a connect on sock is under way */
	int			 err;		/* why the last attempt failed */
	int64_t			 deadline_ns;
	int			 blocking;	/* sends block, up to a timeout */
	struct retry		 retry;		/* --retry */
	int			 setup_failed;	/* -s, -p, --sndbuf, --tos */

	/* --tls: the connection, the name it verifies, its handshake. */
	struct tls_conn		*tls;		/* NULL: plain, or not yet */
	const char		*tls_name;	/* NULL: a server, or none */
	int64_t			 tls_deadline_ns;	/* the handshake's */
	int			 tls_closed;	/* zcsend's close_notify is out */
	int			 peer_closed;	/* its end of file was read */
	int64_t			 peer_notify_ns;	/* --tls: when its close_notify
						   came (0: not yet) */
	uint64_t		 wire_base;	/* bytes on the wire before the
						   first byte of the transfer */
	uint64_t		 wire_end;	/* ... after its last (0: not
						   known) */
};

/* --rate's token bucket (rate.c). */
struct rate_bucket {
	double			 tokens;	/* bytes that may go */
	int64_t			 ns;		/* when they were counted; 0: not
						   yet */
	int			 draining;	/* released, not yet drained */
};

/* How far a transfer got, and when. */
struct xfer_prog {
	enum xfer_phase		 phase;
	uint64_t		 file_len;	/* COUNT_TO_EOF: until EOF */
	size_t			 hdr_done;
	uint64_t		 file_done;
	size_t			 trl_done;
	uint64_t		 calls;		/* backend calls, for --bench */
	size_t			 block_chunk;	/* chunk.c's */
	uint64_t		 waits;		/* polls between steps */
	int64_t			 start_ns;
	int64_t			 end_ns;	/* receiver's close, or failure */
	int64_t			 last_move_ns;	/* last byte the socket took */
	int64_t			 busy_until_ns;	/* step again at the latest */
	int64_t			 drain_start_ns;
	struct rate_bucket	 rate;		/* --rate */
	size_t			 unsent;	/* close timeout 0: last queue */
	uint64_t		 talked;	/* bytes the receiver sent,
						   discarded */
};

/* Which path carries the bytes, and its scratch state. */
struct xfer_path {
	const struct backend	*backend;
	int			 fallback_errno;	/* 0: no fallback */
	const char		*fallback_from;	/* the backend that refused */
	struct sf_scratch	 scratch;
	int			 hash_stream;	/* --checksum: feed what is sent */
	int			 input_ready;	/* a stream polled readable */
};

/* The outcome, once the phase is XFER_DONE or XFER_FAILED. */
struct xfer_outcome {
	int			 status;	/* enum exit_code */
	int			 errnum;	/* errno of the failure, 0 if none */
	char			 error[256];
};

/* --ack and --resume (xfer-ack.c): the receiver's lines and what they said. */
struct xfer_ack {
	char			 line[ACK_LINE_MAX + 1];
	size_t			 len;		/* bytes of line read so far */
	int			 resume_wait;	/* no data before its line */
	int64_t			 resume_deadline_ns;
	uint64_t		 resume_off;	/* the receiver held this much */
	off_t			 orig_start;	/* the range as asked */
	uint64_t		 orig_len;
	int			 acked;		/* ok, with the count expected */
	char			 digest[65];	/* its sha256, or empty */
	int			 offered;	/* a resume line came */
	enum ack_answer		 answer;	/* what the last line said */
	uint64_t		 stored;	/* ok: the count it gave */
};

/*
 * One transfer, allocated by xfer_new and freed by xfer_free or
 * xfer_close.
 */
struct xfer {
	const struct xfer_params *par;		/* shared, read-only */
	struct input		 in;		/* what, as asked */
	struct xfer_conn	 conn;
	struct xfer_prog	 prog;
	struct xfer_path	 be;
	struct xfer_outcome	 out;
	struct xfer_ack		 ack;
	struct pollfd		 want;		/* what the last step waits for */
	short			 revents;	/* what poll said of it, this step */
};

#endif /* ZC_XFER_STATE_H */
