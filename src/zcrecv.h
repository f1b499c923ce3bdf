/* SPDX-License-Identifier: ISC */
/*
 * zcrecv: receive one file over TCP (or a Unix socket) and store it, with
 * splice(2) from the socket into the file where the system has it.
 *
 * The receiving command's own header, a section per source file. It
 * shares the command modules zcsend has for the same jobs (the shared
 * options, the value parsers, msg_warnx, --checksum, --tls and the JSON
 * string writer), so
 * it includes zcsend.h for their declarations; the engine below it
 * (engine.h) gives the connect, listen and the signal-aware wait.
 */

#ifndef ZCRECV_H
#define ZCRECV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "zcsend.h"

/* EX_CANTCREAT: the output cannot be created; zcrecv's own code. */
#define EXIT_CANTCREAT		73

/* No --max-size. */
#define RECV_NO_LIMIT		UINT64_MAX

/* After a failure with --ack: sender bytes read and dropped at most. */
#define RECV_DISCARD_MAX	((uint64_t)64 * 1024 * 1024)

enum recv_mode {
	RECV_SPLICE,		/* socket -> pipe -> file, where there is one */
	RECV_READWRITE
};

/*
 * Everything zcrecv's command line asked for. The options zcsend has too
 * keep zcsend's field names: OPTCORE_MAP points optcore.c at them.
 */
struct recv_options {
	const char	*host;		/* NULL with -l */
	const char	*port;		/* or the socket path with -U */
	const char	*unix_path;	/* -U's value, as read */
	const char	*path;		/* "-" for standard output */
	int		 listen;	/* -l */
	int		 keep_open;	/* -k: sender after sender */
	const char	*listen_addr;	/* NULL: every address */
	int		 family;
	int		 unix_socket;	/* -U */
	int		 connect_timeout_ms;
	int		 idle_timeout_ms;	/* 0: none */
	enum progress_mode progress;
	int		 quiet;
	int		 verbose;
	int		 json;
	int		 append;
	int		 resume;	/* implies append */
	int		 ack;
	int		 no_fsync;
	int		 checksum;	/* --checksum sha256 */
	uint64_t	 max_size;	/* RECV_NO_LIMIT: none */
	enum recv_mode	 mode;
	struct tls_options tls;
};

/* The output and where this stream's bytes go in it. */
struct recv_out {
	int		 fd;
	const char	*name;		/* the path, or "stdout" */
	int		 regular;	/* a regular file: synced, hashed back */
	int		 readable;	/* opened for reading too (--checksum) */
	uint64_t	 base;		/* where the stream's range starts */
	uint64_t	 offset;	/* --resume: bytes held before, past base */
	uint64_t	 written;	/* bytes this run stored */
	int		 synced;
};

/* One receive: the connection, the path the bytes take, the outcome. */
struct receiver {
	const struct recv_options *o;
	struct recv_out	 out;
	int		 sock;
	char		 peer[1100];	/* "HOST port PORT" or a path */
	char		 host[1025];
	char		 port[32];

	/* --tls */
	struct tls_ctx	*tls_ctx;
	struct tls_conn	*tls;
	int		 ktls_rx;	/* the kernel decrypts what arrives */
	const char	*ktls_reason;	/* why not */

	/* The path: "splice", "readwrite", "tls-readwrite", "ktls-splice". */
	const char	*backend;
	int		 fallback_errno;	/* splice refused: why */
	const char	*fallback_why;	/* or another reason to copy */
	int		 pipe_rd;	/* splice's pipe */
	int		 pipe_wr;
	unsigned char	*buf;		/* read/write's buffer */
	size_t		 bufsize;
	int		 hash_stream;	/* --checksum fed from buf */

	uint64_t	 received;	/* bytes the sender's stream gave */
	int64_t		 start_ns;
	int64_t		 end_ns;
	int64_t		 last_move_ns;
	int64_t		 next_draw_ns;	/* --progress */
	int		 eof;		/* the sender's end of stream */

	const char	*digest;	/* --checksum: of the stored range */
	char		 ack_line[320];	/* what --ack answered */
	int		 status;
	char		 error[512];
};

/* zcrecv-options.c */
void		 recv_options_parse(int, char **, struct recv_options *);

/* zcrecv-usage.c */
__dead void	 recv_usage(int);
__dead void	 recv_version(void);

/* recv.c */
int		 recv_run(struct receiver *);
int		 recv_fail(struct receiver *, int, const char *, ...)
		     __attribute__((__format__(__printf__, 3, 4)));
void		 recv_report(struct receiver *);
void		 recv_json(struct receiver *);
short		 recv_events(const struct receiver *, short);

/* recv-ack.c */
int		 recv_answer(struct receiver *, const char *);
int		 recv_send_line(struct receiver *, const char *);
void		 recv_discard(struct receiver *);

/* recv-splice.c or recv-nosplice.c */
extern const int recv_has_splice;
int		 recv_splice_open(int *, int *, size_t);
ssize_t		 recv_splice_in(int, int, size_t);
ssize_t		 recv_splice_out(int, int, size_t);
int		 recv_splice_refused(int);

#endif /* ZCRECV_H */
