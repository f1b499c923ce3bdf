/* SPDX-License-Identifier: ISC */
/*
 * zcsend: push a file over a TCP socket with the kernel's sendfile(2).
 *
 * The command's own header, a section per source file: the options, the
 * modes (push, listen, bench), the display, TLS and --checksum. Only the
 * command's files include it; the engine below (engine.h) never does.
 */

#ifndef ZCSEND_H
#define ZCSEND_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

#define BENCH_MAX_BLOCK_SIZES	8
#define BENCH_MAX_SIZES		8

/* --bench --cache: which page cache states to measure. */
enum bench_cache {
	BENCH_WARM = 1,
	BENCH_COLD = 2,
	BENCH_BOTH = 3
};

enum progress_mode {
	PROGRESS_AUTO,		/* a redrawn line when stderr is a terminal */
	PROGRESS_TTY,		/* the redrawn line, wherever stderr goes */
	PROGRESS_PLAIN,		/* one line a second, for logs */
	PROGRESS_NONE
};

/* One receiver to push to: a TCP host and port, or a Unix socket path. */
struct dest {
	char		 host[1025];	/* NI_MAXHOST, or a socket path */
	char		 port[32];	/* as given, for messages */
	char		 portnum[16];	/* numeric, for getaddrinfo */
	char		 peer[1100];	/* "HOST port PORT" or the path */
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

/*
 * Everything the command line asked for. The options zcrecv has too are
 * named alike in its struct recv_options: OPTCORE_MAP needs both so.
 */
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
	const char	*header_file;	/* input_read_hdtr reads it */
	const char	*trailer_file;
	int		 stdin_closed;	/* fd 0 was closed when zcsend started */
	enum send_mode	 mode;
	size_t		 block_size;	/* read/write buffer */
	size_t		 max_chunk;	/* bytes per backend call */
	size_t		 chunk_ceiling;	/* a blocking call's chunk grows to */
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
	int		 ack;		/* --ack: the receiver's ok line */
	int		 resume;	/* --resume: its resume line first */

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
	int		 bench_recv;	/* --recv: zcrecv's paths */

	struct tls_options tls;		/* --tls and its settings */

	/*
	 * Worked out, not asked for: the count of file bytes the run sends,
	 * which input_open sets once the input's range is known (before,
	 * and for an input of unknown size, COUNT_TO_EOF). A failure's
	 * --json reports it (msg_exit), however deep the call that fails.
	 */
	uint64_t	 input_len;
};

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

/*
 * optcore.c: the options zcsend and zcrecv share. Each program keeps
 * their values in its own options struct under these names, and hands
 * optcore_option a map of where they are, OPTCORE_MAP(o). The shared
 * long options are numbered from 256, a program's own from OPT_CORE_LAST
 * and the --tls ones from 512.
 */
enum {
	OPT_CONNECT_TIMEOUT = 256,
	OPT_IDLE_TIMEOUT,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_CHECKSUM,
	OPT_ACK,
	OPT_RESUME,
	OPT_MODE,		/* spelled alike; each program has its modes */
	OPT_CORE_LAST
};
#define OPTCORE_LONG_OPTIONS \
	{ "listen",		no_argument,		NULL, 'l' }, \
	{ "keep-open",		no_argument,		NULL, 'k' }, \
	{ "quiet",		no_argument,		NULL, 'q' }, \
	{ "verbose",		no_argument,		NULL, 'v' }, \
	{ "help",		no_argument,		NULL, 'h' }, \
	{ "version",		no_argument,		NULL, 'V' }, \
	{ "connect-timeout",	required_argument,	NULL, OPT_CONNECT_TIMEOUT }, \
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT }, \
	{ "progress",		required_argument,	NULL, OPT_PROGRESS }, \
	{ "json",		no_argument,		NULL, OPT_JSON }, \
	{ "checksum",		required_argument,	NULL, OPT_CHECKSUM }, \
	{ "ack",		no_argument,		NULL, OPT_ACK }, \
	{ "resume",		no_argument,		NULL, OPT_RESUME }, \
	{ "mode",		required_argument,	NULL, OPT_MODE }, \
	TLS_LONG_OPTIONS
struct optcore {
	int			*family;	/* -4, -6 */
	int			*listen;	/* -l */
	int			*keep_open;	/* -k */
	int			*unix_socket;	/* -U */
	const char		**unix_path;	/* its value */
	int			*connect_timeout_ms;
	int			*idle_timeout_ms;
	enum progress_mode	*progress;
	int			*quiet;
	int			*verbose;
	int			*json;
	int			*checksum;	/* --checksum sha256 */
	int			*ack;
	int			*resume;
	struct tls_options	*tls;
};
#define OPTCORE_MAP(o) { \
	.family = &(o)->family, .listen = &(o)->listen, \
	.keep_open = &(o)->keep_open, .unix_socket = &(o)->unix_socket, \
	.unix_path = &(o)->unix_path, \
	.connect_timeout_ms = &(o)->connect_timeout_ms, \
	.idle_timeout_ms = &(o)->idle_timeout_ms, \
	.progress = &(o)->progress, .quiet = &(o)->quiet, \
	.verbose = &(o)->verbose, .json = &(o)->json, \
	.checksum = &(o)->checksum, .ack = &(o)->ack, \
	.resume = &(o)->resume, .tls = &(o)->tls \
}
void		 optcore_defaults(const struct optcore *);
int		 optcore_option(const struct optcore *, int, const char *);
void		 optcore_finish(const struct optcore *);
uint64_t	 optcore_size(const char *, const char *);
int		 optcore_seconds(const char *, const char *);

/* options.c */
void		 options_parse(int, char **, struct options *);
void		 options_free(struct options *);
void		 options_params(const struct options *, struct xfer_params *);

/* usage.c */
__dead void	 usage_help(int);
__dead void	 usage_version(void);

/* input.c */
void		 input_open(struct options *, struct input *,
		     struct xfer_params *);
void		 input_read_hdtr(struct options *);

/* push.c */
int		 push_main(struct options *);

/* serve.c */
int		 serve_main(struct options *);

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
int		 parse_progress(const char *, enum progress_mode *);
int		 parse_hostport(const char *, char *, size_t, char *, size_t,
		     const char **);
int		 parse_sizes(const char *, uint64_t *, int, uint64_t, int *,
		     const char **);
int		 parse_size_list(const char *, size_t *, int, int *,
		     const char **);

/* tls-opt.c, with tls.c or tls-none.c. Long options, after the others. */
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
	size_t			 env_columns;	/* COLUMNS, 0 if unset or bad */
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
void		 format_hms(char *, size_t, double);
int		 msg_init(void);
int		 msg_end(int);
void		 msg_stdout_failed(int);
__dead void	 msg_exit(const struct options *, int, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));

/* report-json.c */
void		 report_json(FILE *, const struct options *,
		     struct xfer *const *, size_t, int, const char *);
void		 report_json_unstarted(FILE *, const struct options *,
		     uint64_t, int, const char *);
void		 report_json_listening(FILE *, const char *, const char *);
void		 json_string(FILE *, const char *);

/* msg.c */
void		 msg_hook(void (*)(void));
void		 msg_warnx(const char *, ...)
		     __attribute__((__format__(__printf__, 1, 2)));
void		 msg_note(const char *);

/* destlist.c */
int		 destlist_load(const char *, int (*)(void *, const char *,
		     const char *, const char **), void *, char *, size_t);

/* checksum.c */
int		 checksum_load(char *, size_t);
int		 checksum_start(int, off_t, uint64_t, char *, size_t);
int		 checksum_start_follow(int, off_t, uint64_t, char *, size_t);
void		 checksum_grow(uint64_t, int);
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
