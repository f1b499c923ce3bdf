/* SPDX-License-Identifier: ISC */
/*
 * zcsend: push a file over a TCP socket with the kernel's sendfile(2).
 *
 * One header for the whole program, a section per source file.
 */

#ifndef ZCSEND_H
#define ZCSEND_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compat.h"

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

/* Largest byte count one sendfile call may be given (Linux's own cap). */
#define SF_MAX_CALL	((size_t)0x7ffff000)

#define BENCH_MAX_BLOCK_SIZES	8
#define BENCH_MAX_SIZES		8

/* --bench --cache: which page cache states to measure. */
enum bench_cache {
	BENCH_WARM = 1,
	BENCH_COLD = 2,
	BENCH_BOTH = 3
};

enum send_mode {
	MODE_SENDFILE,
	MODE_READWRITE,
	MODE_SPLICE,
	MODE_MMAP,		/* mmap(2), then send from the mapping */
	MODE_ZEROCOPY,		/* send(2) with MSG_ZEROCOPY */
	MODE_URING_SPLICE,	/* io_uring: linked splice pairs */
	MODE_URING_SENDZC	/* io_uring: fixed reads, IORING_OP_SEND_ZC */
};

enum progress_mode {
	PROGRESS_AUTO,		/* a redrawn line when stderr is a terminal */
	PROGRESS_TTY,		/* the redrawn line, wherever stderr goes */
	PROGRESS_PLAIN,		/* one line a second, for logs */
	PROGRESS_NONE
};

/* A run of bytes owned by whoever filled it. */
struct bytes {
	unsigned char	*data;
	size_t		 len;
};

/* One receiver to push to: a TCP host and port, or a Unix socket path. */
struct dest {
	char		 host[1025];	/* NI_MAXHOST, or a socket path */
	char		 port[32];	/* as given, for messages */
	char		 portnum[16];	/* numeric, for getaddrinfo */
	char		 peer[1100];	/* "HOST port PORT" or the path */
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

/* A destination's connect retries (retry.c). */
struct retry {
	int		 max;		/* connects allowed after the first */
	int		 delay_ms;	/* the first wait */
	int		 attempts;	/* connects begun */
	int64_t		 at_ns;		/* the next one is due; 0: none */
	int		 notify;	/* say so on stderr at each retry */
};

/* The --tls options (tls-opt.c). Paths and names point into argv. */
struct tls_options {
	int		 enabled;	/* --tls */
	int		 any;		/* some other --tls-* option was given */
	const char	*ca;		/* NULL: the system's trust store */
	const char	*cert;
	const char	*key;
	const char	*servername;	/* NULL: the host given */
	int		 insecure;	/* skip verification */
	int		 verify_client;	/* -l: require a client certificate */
};

/* Everything the command line asked for. */
struct options {
	const char	*host;
	const char	*port;
	const char	*path;		/* "-" for standard input */
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	uint64_t	 offset;
	int		 offset_set;
	uint64_t	 count;		/* COUNT_TO_EOF unless --count */
	struct bytes	 header;
	struct bytes	 trailer;
	const char	*header_file;	/* read into header after parsing */
	const char	*trailer_file;
	int		 stdin_closed;	/* fd 0 was closed when zcsend started */
	enum send_mode	 mode;
	size_t		 block_size;	/* read/write buffer */
	size_t		 max_chunk;	/* bytes per backend call */
	int		 sf_flags;	/* platform SF_* flags */
	int		 connect_timeout_ms;
	int		 idle_timeout_ms;	/* 0: none */
	int		 close_timeout_ms;	/* 0: do not wait for the peer */
	enum progress_mode progress;
	int		 quiet;
	int		 json;
	int		 verbose;
	uint64_t	 rate;		/* bytes a second; 0: unpaced */

	/* Where to: HOST PORT, every --to, or -U PATH. */
	struct dest	*dests;
	size_t		 ndests;
	int		 multi;		/* --to: report per destination */
	int		 unix_socket;	/* -U */
	const char	*unix_path;	/* its value */
	int		 fail_fast;

	/* -l: listen instead */
	int		 listen;
	int		 keep_open;	/* -k */
	const char	*listen_addr;	/* NULL: every address */
	const char	*listen_port;	/* or the socket path, with -U */
	uint64_t	 max_clients;	/* 0: no limit */
	size_t		 max_conns;

	/* Deployment: retries, socket options, checksum. */
	int		 retry;		/* --retry: connects after the first */
	int		 retry_set;	/* --retry given: --json has attempts */
	int		 retry_delay_ms;
	struct sockopts	 sockopts;
	int		 checksum;	/* --checksum sha256 */

	/* --bench */
	int		 bench;
	uint64_t	 bench_size;
	int		 bench_size_set; /* --size given: not with FILE */
	int		 bench_rounds;
	size_t		 bench_block_sizes[BENCH_MAX_BLOCK_SIZES];
	int		 bench_nblock_sizes;
	uint64_t	 bench_sizes[BENCH_MAX_SIZES];	/* --size list */
	int		 bench_nsizes;
	enum bench_cache bench_cache;	/* --cache */
	int		 bench_csv;	/* --csv */

	struct tls_options tls;		/* --tls and its settings */
};

/*
 * What one backend call is asked to send, in this order: the unsent rest of
 * the header, then up to file_len bytes of fd starting at file_off, then the
 * unsent rest of the trailer. The engine passes a trailer only once the
 * chunk reaches the end of the file part.
 */
struct sf_chunk {
	int			 sock;
	int			 fd;
	const unsigned char	*hdr;
	size_t			 hdr_len;
	off_t			 file_off;	/* -1: a stream, read in order */
	size_t			 file_len;
	const unsigned char	*trl;
	size_t			 trl_len;
	int			 flags;		/* platform SF_* flags */
	struct tls_conn		*tls;		/* TLS backends only */
};

/*
 * Per-transfer scratch space of the copying backends: bytes read from the
 * input but not yet accepted by the socket. They are always the next unsent
 * file bytes, so a partial send never reads the file twice.
 */
struct sf_scratch {
	unsigned char	*buf;
	size_t		 cap;
	size_t		 pos;		/* first unsent byte in buf */
	size_t		 len;		/* end of valid bytes in buf */
	int		 pipe_rd;	/* splice: an internal pipe, or -1 */
	int		 pipe_wr;
	size_t		 piped;		/* bytes waiting in the pipe */
	int		 input_failed;	/* the last -1 came from the input */
	uint64_t	 extra_syscalls;	/* beyond one per call */
	/* A backend's own state (modes.c's backends), and who frees it. */
	void		*priv;
	void		(*priv_free)(struct sf_scratch *);
};

/*
 * A backend: one way of moving file bytes to a socket. send() returns the
 * number of bytes sent, counted along header, file and trailer in order;
 * 0 when file bytes were asked for, no header was pending, and the input
 * is at end of file; -1 with errno otherwise. Partial progress is always
 * reported as a success: -1 means nothing at all went out.
 */
struct backend {
	const char	*name;
	ssize_t		(*send)(const struct sf_chunk *, struct sf_scratch *);
	/* Does err from send mean "read/write can carry it"? NULL: never. */
	int		(*refused)(int);
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
	int		 retry_notify;	/* tell each retry on stderr */
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
 * Where a transfer goes, given to xfer_init: a connected socket (sock), or
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
	int			 tls_closed;	/* 1: close_notify is out; 2: the
						   receiver closed first */
	int			 peer_closed;	/* its end of file was read */
};

/* How far a transfer got, and when. */
struct xfer_prog {
	enum xfer_phase		 phase;
	uint64_t		 file_len;	/* COUNT_TO_EOF: until EOF */
	size_t			 hdr_done;
	uint64_t		 file_done;
	size_t			 trl_done;
	uint64_t		 calls;		/* backend calls, for --bench */
	uint64_t		 waits;		/* polls between steps */
	int64_t			 start_ns;
	int64_t			 end_ns;	/* receiver's close, or failure */
	int64_t			 last_move_ns;	/* last byte the socket took */
	int64_t			 busy_until_ns;	/* step again at the latest */
	int64_t			 drain_start_ns;
	double			 rate_tokens;	/* --rate: bytes that may go */
	int64_t			 rate_ns;	/* when the tokens were counted */
	int			 rate_draining;	/* released, not yet drained */
	size_t			 unsent;	/* close timeout 0: last queue */
};

/* Which path carries the bytes, and its scratch state. */
struct xfer_path {
	const struct backend	*backend;
	int			 fallback_errno;	/* 0: no fallback */
	const char		*fallback_from;	/* the backend that refused */
	struct sf_scratch	 scratch;
	int			 hash_stream;	/* --checksum: feed what is sent */
};

/* The outcome, once the phase is XFER_DONE or XFER_FAILED. */
struct xfer_outcome {
	int			 status;	/* enum exit_code */
	int			 errnum;	/* errno of the failure, 0 if none */
	char			 error[256];
};

struct xfer {
	const struct xfer_params *par;		/* shared, read-only */
	struct input		 in;		/* what, as asked */
	struct xfer_conn	 conn;
	struct xfer_prog	 prog;
	struct xfer_path	 be;
	struct xfer_outcome	 out;
	struct pollfd		 want;		/* what the last step waits for */
};

/*
 * Backends. One of sf-linux.c, sf-freebsd.c, sf-darwin.c, sf-solaris.c,
 * sf-aix.c or sf-unknown.c gives sf_backend (its send and its refusal
 * rule); one of splice.c or nosplice.c gives splice_backend; sf-freebsd.c
 * or noflags.c gives sf_parse_flags; rw.c and platform.c are in every
 * build.
 */
extern const struct backend	sf_backend;	/* the platform's sendfile */
extern const struct backend	rw_backend;	/* pread/read and send */
extern const struct backend	splice_backend;	/* NULL send: not here */
int		 splice_open(struct sf_scratch *, size_t);
void		 splice_close(struct sf_scratch *);
int		 sf_parse_flags(const char *, int *, const char **);

/*
 * modes.c, the command's: the modes by name; mmapw.c, sendzc.c and uring.c
 * (or nouring.c, without liburing) give their backends, a NULL send where
 * this build or platform has none. The engine gets them through
 * xfer_params.backend, so libzcsend links no liburing.
 */
extern const struct backend	mmap_backend;
extern const struct backend	zerocopy_backend;
extern const struct backend	uring_splice_backend;
extern const struct backend	uring_sendzc_backend;
const struct backend *mode_backend(enum send_mode);
const char	*mode_name(enum send_mode);
int		 mode_parse(const char *, enum send_mode *, const char **);
int		 mode_refused(int);
int		 mode_send_begin(const struct sf_chunk *, struct sf_scratch *,
		     ssize_t *);
int		 mode_available(enum send_mode, int, char *, size_t);
int		 uring_probe(int, char *, size_t);
int		 zerocopy_probe(int, char *, size_t);
const char	*uring_library(void);

/* rw.c */
ssize_t		 rw_fill(const struct sf_chunk *, struct sf_scratch *);

/* platform.c */
int		 sf_cork(int, int);
int		 sf_segments(int, uint64_t *);
int		 sf_unsent(int, size_t *);
int		 sf_pseudo_file(int);
ssize_t		 sf_writev(const struct sf_chunk *, int);
size_t		 sf_file_avail(const struct sf_chunk *);
ssize_t		 sf_clamp(uintmax_t, size_t);

/* options.c */
void		 options_parse(int, char **, struct options *);
void		 options_free(struct options *);
void		 options_params(const struct options *, struct xfer_params *);

/* push.c */
int		 push_main(const struct options *);
void		 input_open(const struct options *, struct input *,
		     struct xfer_params *);
int		 exit_severity(int);

/* serve.c */
int		 serve_main(const struct options *);

/* bench.c */
int		 bench_main(const struct options *);

/* bench-modes.c: --bench's page cache states */
int		 bench_parse_cache(const char *, enum bench_cache *);
int		 bench_drop_cache(int, uint64_t, uint64_t *, char *, size_t);

/* parse.c */
int		 parse_size(const char *, uint64_t *, const char **);
int		 parse_seconds(const char *, int *, const char **);
int		 parse_escapes(const char *, struct bytes *, const char **);
int		 parse_port(const char *, const char **);
int		 parse_rate(const char *, uint64_t *, const char **);
int		 parse_hostport(const char *, char *, size_t, char *, size_t,
		     const char **);
int		 parse_sizes(const char *, uint64_t *, int, uint64_t, int *,
		     const char **);
int		 parse_size_list(const char *, size_t *, int, int *,
		     const char **);

/* net.c */
struct addrinfo;
int		 net_resolve(const char *, const char *, int,
		     struct addrinfo **);
const char	*net_gai_error(int);
int		 net_start(const struct addrinfo *, const struct sockopts *,
		     int *, char *, size_t);
int		 net_finish(int);
int		 net_connect_unix(const char *, int);
int		 net_listen(const struct addrinfo *, int);
int		 net_listen_unix(const char *);
int		 net_accept(int, char *, size_t, char *, size_t);
void		 net_addr_name(const struct addrinfo *, char *, size_t);
void		 net_sock_name(int, char *, size_t);
int		 net_blocking(int, int, int);

/* lib-sendfile.c (libzcsend) */
int		 lib_flags(int, int *);
int		 lib_input_check(int);

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
int		 loop_init(void);
int		 loop_run(struct loop *);
int		 loop_signalled(void);
int		 loop_signal_status(void);
const char	*loop_signal_name(void);
int		 loop_wait(struct pollfd *, nfds_t, int);
int64_t		 loop_now_ns(void);

/* xfer.c */
void		 xfer_init(struct xfer *, const struct xfer_params *,
		     const struct input *, const struct xfer_dest *);
int		 xfer_step(struct xfer *, struct pollfd *);
int		 xfer_timeout_ms(const struct xfer *, int64_t);
int		 xfer_status(const struct xfer *);
uint64_t	 xfer_bytes_done(const struct xfer *);
uint64_t	 xfer_bytes_total(const struct xfer *);
void		 xfer_interrupt(struct xfer *, int, const char *);
void		 xfer_fail_errno(struct xfer *, int);
void		 xfer_stop(struct xfer *, int, const char *);
void		 xfer_free(struct xfer *);
void		 xfer_close(struct xfer *);
int		 xfer_errno_status(int);
int		 xfer_open_status(int);
int		 xfer_connect_error(int, const char *, int, char *, size_t);

/*
 * TLS, the command's only (tls.c with OpenSSL, or tls-none.c; tls-opt.c
 * in both). The engine (xfer.c) and --json (progress.c) reach it only
 * through the struct tls_ops in xfer_params, so libzcsend carries no TLS.
 */
struct tls_ctx;
struct tls_conn;
struct tls_report {
	const char	*version;	/* "TLSv1.3" */
	const char	*cipher;	/* "TLS_AES_256_GCM_SHA384" */
	int		 ktls;		/* the kernel encrypts what is sent */
	const char	*reason;	/* why not, when ktls is 0 */
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
	int		 (*close)(struct tls_conn *);
	ssize_t		 (*recv)(struct tls_conn *, void *, size_t);
	const char	*(*error)(const struct tls_conn *);
	void		 (*report)(const struct tls_conn *,
			    struct tls_report *);
	void		 (*conn_free)(struct tls_conn *);
};

/* Long options; main's own are numbered from 256. */
enum {
	OPT_TLS = 512,
	OPT_TLS_CA,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_SERVERNAME,
	OPT_TLS_INSECURE,
	OPT_TLS_VERIFY_CLIENT
};
#define TLS_LONG_OPTIONS \
	{ "tls",		no_argument,		NULL, OPT_TLS }, \
	{ "tls-ca",		required_argument,	NULL, OPT_TLS_CA }, \
	{ "tls-cert",		required_argument,	NULL, OPT_TLS_CERT }, \
	{ "tls-key",		required_argument,	NULL, OPT_TLS_KEY }, \
	{ "tls-servername",	required_argument,	NULL, OPT_TLS_SERVERNAME }, \
	{ "tls-insecure",	no_argument,		NULL, OPT_TLS_INSECURE }, \
	{ "tls-verify-client",	no_argument,		NULL, OPT_TLS_VERIFY_CLIENT }
extern const struct tls_ops	tls_ops;
int		 tls_option(struct tls_options *, int, const char *);
int		 tls_options_check(const struct tls_options *, int, int, char *,
		     size_t);
void		 tls_setup(const struct options *, struct xfer_params *);
const char	*tls_library(void);
struct tls_ctx	*tls_ctx_new(const struct tls_options *, int, int *, char *,
		     size_t);
void		 tls_ctx_free(struct tls_ctx *);

/* progress.c */
#define PROGRESS_SAMPLES	24

/* The bytes sent by some time: the current rate is taken between two. */
struct progress_sample {
	int64_t			 ns;
	uint64_t		 sent;
};

struct progress {
	enum progress_mode	 mode;		/* resolved: never AUTO */
	FILE			*out;
	int64_t			 start_ns;
	int64_t			 next_ns;	/* next redraw */
	int			 drawn;		/* a tty line is on screen */
	int			 escapes;	/* the terminal takes ESC [ K */
	size_t			 drawn_len;	/* its length, for a dumb one */
	struct progress_sample	 ring[PROGRESS_SAMPLES];	/* oldest at head */
	size_t			 head;
	size_t			 nsamples;
	uint64_t		 sent;		/* bytes sent at the last look */
	int64_t			 moved_ns;	/* when that count last grew */
};
extern const struct progress_ops progress_ops;
void		 progress_start(struct progress *, enum progress_mode, int,
		     int64_t);
void		 progress_note(struct progress *, const char *, ...)
		     __attribute__((__format__(__printf__, 2, 3)));
void		 progress_clear(struct progress *);
void		 progress_summary(const struct progress *, const struct xfer *,
		     int);
void		 report_json(FILE *, const struct options *,
		     struct xfer *const *, size_t, int, const char *);
void		 report_json_listening(FILE *, const char *, const char *);
void		 report_json_count(uint64_t);
void		 json_string(FILE *, const char *);
void		 format_hms(char *, size_t, double);
int		 msg_init(void);
int		 msg_end(int);
__dead void	 msg_exit(const struct options *, int, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));

/* msg.c */
void		 msg_hook(void (*)(void));
void		 msg_warnx(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 format_size(char *, size_t, double);

/* retry.c */
int		 retry_retryable(int);
void		 retry_init(struct retry *, int, int);
int		 retry_schedule(struct retry *, int, int64_t);
void		 retry_begin(struct retry *);

/* sockopt.c */
int		 sockopt_parse_tos(const char *, int *, const char **);
const char	*sockopt_tos_name(int);
int		 sockopt_resolve(struct sockopts *, int, char *, size_t);
void		 sockopt_free(struct sockopts *);
int		 sockopt_apply(int, int, const struct addrinfo *,
		     const struct sockopts *, char *, size_t);
void		 sockopt_report(int, int, const struct sockopts *,
		     const char *);
int		 sockopt_family(int);

/* destlist.c */
int		 destlist_load(const char *, int (*)(void *, const char *,
		     const char *, const char **), void *, char *, size_t);

/* checksum.c */
int		 checksum_start(int, off_t, uint64_t, char *, size_t);
void		 checksum_feed(const void *, size_t);
int		 checksum_result(const char *, uint64_t, const char **, char *,
		     size_t);
const char	*checksum_hex(void);
void		 checksum_stats(uint64_t *, double *);
void		 checksum_cancel(void);
int		 checksum_available(void);
const char	*checksum_impl(void);
const char	*checksum_settle(struct xfer *const *, size_t, const char *);
void		 checksum_report(int);

#endif /* ZCSEND_H */
