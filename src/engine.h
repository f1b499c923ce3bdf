/* SPDX-License-Identifier: ISC */
/*
 * The engine: transfers (xfer*.c) and the event loop (loop.c) on the
 * clock and signal-aware wait, connecting (net.c), socket options
 * (sockopt.c) and connect retries (retry.c). The command (zcsend.h) and
 * libzcsend (lib-*.c) sit on top of it, the backends (backend.h) below.
 * Arrows point down only: the engine never includes a program's header
 * and never prints. It reaches up through what its parameters carry: the
 * note hook, progress_ops, tls_ops and hash_sent.
 */

#ifndef ZC_ENGINE_H
#define ZC_ENGINE_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

struct tls_ctx;
struct tls_conn;
struct tls_ops;

/*
 * Exit codes, from sysexits(3). Scripts rely on them: keep them stable and
 * in step with EXIT STATUS in zcsend.1.
 */
enum exit_code {
	EXIT_OK = 0,
	EXIT_USAGE = 64,	/* EX_USAGE: bad command line */
	EXIT_RANGE = 65,	/* EX_DATAERR: range outside the file */
	EXIT_NOINPUT = 66,	/* EX_NOINPUT: cannot open or read FILE */
	EXIT_NOHOST = 68,	/* EX_NOHOST: name does not resolve */
	EXIT_UNAVAILABLE = 69,	/* EX_UNAVAILABLE: refused, unreachable */
	EXIT_OSERR = 71,	/* EX_OSERR: out of memory, fds, pipes */
	EXIT_IOERR = 74,	/* EX_IOERR: failure during the transfer */
	EXIT_TEMPFAIL = 75,	/* EX_TEMPFAIL: connect or idle timeout */
	EXIT_PROTOCOL = 76,	/* EX_PROTOCOL: TLS handshake or verification */
	EXIT_SIGHUP = 129,
	EXIT_SIGINT = 130,
	EXIT_SIGTERM = 143
};

/* A count of file bytes that means "until end of file". */
#define COUNT_TO_EOF	UINT64_MAX

enum send_mode {
	MODE_SENDFILE,
	MODE_READWRITE,
	MODE_SPLICE,
	MODE_MMAP,		/* mmap(2), then send from the mapping */
	MODE_ZEROCOPY,		/* send(2) with MSG_ZEROCOPY */
	MODE_URING_SPLICE,	/* io_uring: linked splice pairs */
	MODE_URING_SENDZC	/* io_uring: fixed reads, IORING_OP_SEND_ZC */
};

/* A run of bytes owned by whoever filled it. */
struct bytes {
	unsigned char	*data;
	size_t		 len;
};

/* Options for every socket zcsend sends on (sockopt.c). */
#define SOCKOPT_MAX_SNDBUF	(1 << 30)	/* --sndbuf 1G at most */
struct addrinfo;
struct sockopts {
	const char	*src_addr;	/* -s, or NULL */
	const char	*src_port;	/* -p, or NULL */
	struct addrinfo	*src_ai;	/* both resolved; owned */
	int		 sndbuf;	/* --sndbuf; 0: the system's */
	int		 tos;		/* --tos, the TOS byte; -1: unset */
};

/*
 * What a transfer reads: an open input and the range of it. The transfer
 * keeps a copy; name must outlive it.
 */
struct input {
	int		 fd;
	const char	*name;		/* for messages: the path, or "stdin" */
	off_t		 start;		/* -1: a stream, read in order */
	uint64_t	 len;		/* COUNT_TO_EOF: until end of file */
	int		 rewind_stdin;	/* move stdin's position when done */
	int		 unsized;	/* a stream, pseudo-file or empty file */
};

/*
 * How every transfer of a run behaves, made once from the options and
 * shared, read-only, by all of them; it must outlive them.
 */
struct xfer_params {
	struct bytes	 hdr;		/* sent before the file range */
	struct bytes	 trl;		/* sent after it */
	enum send_mode	 mode;
	/*
	 * The command's backend for the modes the engine has none of
	 * (mmap, MSG_ZEROCOPY, io_uring: modes.c); NULL for the others.
	 */
	const struct backend *backend;
	size_t		 block_size;	/* read/write buffer */
	size_t		 max_chunk;	/* bytes per backend call */
	size_t		 chunk_ceiling;	/* the fast path's chunk grows to */
	int		 sf_flags;	/* platform SF_* flags */
	int		 connect_timeout_ms;
	int		 idle_timeout_ms;	/* 0: none */
	int		 close_timeout_ms;	/* 0: do not wait for the peer */
	uint64_t	 rate;		/* bytes a second; 0: unpaced */
	int		 may_block;	/* one unpaced transfer: sends may block */
	int		 keep_open;	/* at the end: no shutdown, no drain */
	int		 verbose;	/* tell every connect attempt */
	int		 name_peer;	/* --to: messages name the destination */
	const struct sockopts *sockopts;	/* NULL: none to set */
	int		 retry_max;	/* --retry: connects after the first */
	int		 retry_delay_ms;
	int		 retry_notify;	/* tell each retry */
	int		 ack;		/* --ack: wait for the receiver's ok */
	int		 resume;	/* --resume: start where it stands */
	/*
	 * Where -v and --retry notes go, one line each, without the
	 * program's name (msg_note in the command; NULL: nowhere, as in
	 * libzcsend).
	 */
	void		(*note)(const char *);
	/*
	 * --checksum: the command's hasher (checksum.c), fed a stream's
	 * bytes as they go out (NULL: none), so the engine links no hashing.
	 */
	void		(*hash_sent)(const void *, size_t);

	/*
	 * --tls: the command's TLS module, plugged in (NULL: plain TCP), the
	 * context every connection of the run is made from, and the name
	 * to verify (NULL: each destination's host).
	 */
	const struct tls_ops *tls;
	struct tls_ctx	*tls_ctx;
	const char	*tls_name;
};

/*
 * Where a transfer goes, given to xfer_new: a connected socket (sock), or
 * addresses to connect to in turn (ai, which the transfer then owns), or
 * neither: a destination that failed before its transfer began, with an
 * exit status and message. The strings must outlive the transfer.
 */
struct xfer_dest {
	int		 sock;		/* connected, or -1 */
	struct addrinfo	*ai;		/* or these to connect to, or NULL */
	const char	*peer;		/* "HOST port PORT" or a path */
	const char	*host;		/* for --json; may be NULL */
	const char	*port;		/* for --json and connect messages */
	int		 status;	/* neither: why it failed */
	const char	*error;
};

/* The state of one transfer, advanced by xfer_step(). */
enum xfer_phase {
	XFER_CONNECT,		/* a connect is under way (or next to try) */
	XFER_HANDSHAKE,		/* --tls: the handshake is under way */
	XFER_SEND,		/* header, file and trailer bytes remain */
	XFER_DRAIN,		/* write side shut; waiting for the peer's EOF */
	XFER_DONE,
	XFER_FAILED
};

/* --ack and --resume (xfer-ack.c): the longest line, and the answers. */
#define ACK_LINE_MAX	256

/* The receiver's acknowledgement, once a whole line of it came. */
enum ack_answer {
	ACK_NONE,		/* none, or not a line of the protocol */
	ACK_OK,			/* "ok BYTES[ sha256:HEX]" */
	ACK_ERROR		/* "error MESSAGE" */
};

/*
 * One transfer: opaque above the engine (its layout, xfer-state.h, is the
 * engine's alone), made by xfer_new and read through the accessors below.
 */
struct xfer;

/*
 * The TLS plug-in contract: the command's TLS module (tls.c with
 * OpenSSL, or tls-none.c) as the engine and --json reach it, so libzcsend
 * carries no TLS.
 */
struct tls_report {
	const char	*version;	/* "TLSv1.3" */
	const char	*cipher;	/* "TLS_AES_256_GCM_SHA384" */
	int		 ktls;		/* the kernel encrypts what is sent */
	const char	*reason;	/* why not, when ktls is 0 */
	int		 ktls_rx;	/* the kernel decrypts what arrives */
	const char	*rx_reason;	/* why not, when ktls_rx is 0 */
};

/*
 * A connection's life: conn_new on a connected non-blocking socket,
 * handshake until it returns 1 (0: wait for events()), the backends'
 * sends, close (close_notify), recv until the peer closes, conn_free.
 * Failures: -1 with errno (EAGAIN: wait for events(); EPROTO: error()).
 */
struct tls_ops {
	const struct backend	*write_backend;	/* SSL_write */
	const struct backend	*ktls_sendfile_backend;	/* SSL_sendfile */
	const struct backend	*ktls_write_backend;	/* SSL_write, kTLS */
	struct tls_conn	*(*conn_new)(struct tls_ctx *, int, const char *,
			    char *, size_t);
	int		 (*handshake)(struct tls_conn *, char *, size_t);
	short		 (*events)(const struct tls_conn *);
	int		 (*ktls_send)(const struct tls_conn *);
	int		 (*ktls_recv)(const struct tls_conn *);
	int		 (*close)(struct tls_conn *);
	ssize_t		 (*recv)(struct tls_conn *, void *, size_t);
	int		 (*peer_notified)(const struct tls_conn *);
	const char	*(*error)(const struct tls_conn *);
	void		 (*report)(const struct tls_conn *,
			    struct tls_report *);
	void		 (*conn_free)(struct tls_conn *);
};

/* loop.c */
struct progress;

/*
 * How the loop redraws a progress display: progress.c's progress_ops, the
 * command's; the engine and libzcsend carry no display of their own.
 * due_ms: milliseconds until the next redraw, -1 for none; update: redraw
 * for these transfers, if due.
 */
struct progress_ops {
	int		(*due_ms)(const struct progress *, int64_t);
	void		(*update)(struct progress *, struct xfer *const *,
			    size_t, int64_t);
};

/*
 * One event loop for every mode: it steps the transfers in slots (NULL: a
 * free slot) when their fds are ready or a deadline falls due, redraws
 * progress, and with a listening fd accepts into free slots through the
 * callbacks. Each callback gets arg.
 */
struct loop {
	struct xfer	**slots;
	size_t		  nslots;
	/* What to redraw, and how (progress_ops); progress NULL: nothing. */
	struct progress	 *progress;
	const struct progress_ops *progress_ops;
	int		  fail_fast;	/* a failure stops every transfer */
	int		  listen_fd;	/* -1: no listener */
	void		 *arg;
	/* Accept more clients, with this many transfers in flight? */
	int		(*accepting)(void *, size_t);
	/* Accept into free slot i: 1 taken, 0 nobody, -1 pause a while. */
	int		(*accept)(void *, size_t);
	/* Slot i ended (may free it): 0 to go on, -1 to end the run. */
	int		(*finish)(void *, size_t);
	int		  signalled;	/* out: a stop signal's exit status */
	size_t		  nactive;	/* out: transfers in flight then */
};
int		 loop_run(struct loop *);

/* loop-wait.c: the clock and the signal-aware wait */
int		 loop_init(void);
int		 loop_signalled(void);
int		 loop_signal_status(void);
const char	*loop_signal_name(void);
int		 loop_wait(struct pollfd *, nfds_t, int);
int64_t		 loop_now_ns(void);

/* xfer.c */
struct xfer	*xfer_new(const struct xfer_params *, const struct input *,
		     const struct xfer_dest *);
int		 xfer_step(struct xfer *, struct pollfd *);
int		 xfer_timeout_ms(const struct xfer *, int64_t);
int		 xfer_status(const struct xfer *);
enum xfer_phase	 xfer_phase(const struct xfer *);
const char	*xfer_peer(const struct xfer *);
const char	*xfer_host(const struct xfer *);
const char	*xfer_port(const struct xfer *);
const char	*xfer_error(const struct xfer *);
int		 xfer_errno(const struct xfer *);
const char	*xfer_backend_name(const struct xfer *);
int		 xfer_fallback(const struct xfer *, const char **);
uint64_t	 xfer_file_done(const struct xfer *);
uint64_t	 xfer_count(const struct xfer *);
double		 xfer_elapsed(const struct xfer *, int64_t);
int		 xfer_sock(const struct xfer *);
int		 xfer_attempts(const struct xfer *);
int		 xfer_tls_report(const struct xfer *, struct tls_report *);
uint64_t	 xfer_syscalls(const struct xfer *);
void		 xfer_fail_after(struct xfer *, int, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));
uint64_t	 xfer_bytes_done(const struct xfer *);
uint64_t	 xfer_bytes_total(const struct xfer *);
void		 xfer_fail_errno(struct xfer *, int);
void		 xfer_stop(struct xfer *, int, const char *);
void		 xfer_free(struct xfer *);
void		 xfer_close(struct xfer *);

/* xfer-exit.c */
int		 xfer_errno_status(int);
int		 xfer_open_status(int);
int		 xfer_connect_error(int, const char *, int, char *, size_t);
int		 exit_severity(int);

/* net.c */
struct addrinfo;
int		 net_resolve(const char *, const char *, int,
		     struct addrinfo **);
const char	*net_gai_error(int);
int		 net_start(const struct addrinfo *, const struct sockopts *,
		     int *, char *, size_t);
int		 net_finish(int);
int		 net_unix_ai(const char *, struct addrinfo **);
void		 net_free_ai(struct addrinfo *);
int		 net_listen(const struct addrinfo *, int);
int		 net_listen_unix(const char *);
int		 net_accept(int, char *, size_t, char *, size_t);
void		 net_addr_name(const struct addrinfo *, char *, size_t);
void		 net_sock_name(int, char *, size_t);

/* note.c */
void		 format_size(char *, size_t, double);

/* sockopt.c */
int		 sockopt_parse_tos(const char *, int *, const char **);
int		 sockopt_resolve(struct sockopts *, int, char *, size_t);
void		 sockopt_free(struct sockopts *);
int		 sockopt_apply(int, int, const struct addrinfo *,
		     const struct sockopts *, char *, size_t);
void		 sockopt_report(int, int, const struct sockopts *,
		     const char *, void (*)(const char *));
int		 sockopt_family(int);

/*
 * xfer-ack.c: zcsend's side of the opt-in line protocol it shares with zcrecv
 * (--ack, --resume). Each line is ASCII, at most ACK_LINE_MAX bytes before
 * its newline: "resume OFFSET" (the receiver, before any data),
 * "ok BYTES[ sha256:HEX]" or "error MESSAGE" (the receiver, after the
 * sender's end of stream). The command checks the digest, and reads what
 * the receiver said through xfer_ack_report.
 */
struct ack_report {
	int		 offered;	/* --resume: a resume line came */
	uint64_t	 resume_off;	/* ... and the offset it offered */
	enum ack_answer	 answer;	/* --ack */
	uint64_t	 bytes;		/* ACK_OK: the count it stored */
	const char	*sha256;	/* ACK_OK: its digest, or NULL */
	const char	*error;		/* ACK_ERROR: its message */
};
void		 xfer_ack_digest(struct xfer *, const char *);
void		 xfer_ack_report(const struct xfer *, struct ack_report *);

/* lib-sendfile.c (libzcsend) */
int		 lib_flags(int, int *);
int		 lib_input_check(int);

#endif /* ZC_ENGINE_H */
