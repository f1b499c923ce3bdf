/* SPDX-License-Identifier: ISC */
/*
 * The backends: the ways of moving a chunk of header, file and trailer
 * bytes to a socket (sf-<os>.c, rw.c, splice.c, the no*.c stubs) and the
 * per-OS helpers they share (platform.c). This is the ground floor: it
 * knows nothing of transfers, options or the command. The engine
 * (engine.h) and, through the tls_ops plug-in, the command's TLS module
 * are its only users.
 */

#ifndef ZC_BACKEND_H
#define ZC_BACKEND_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* Largest byte count one sendfile call may be given (Linux's own cap). */
#define SF_MAX_CALL	((size_t)0x7ffff000)

struct tls_conn;

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
 * One of sf-linux.c, sf-freebsd.c, sf-darwin.c, sf-solaris.c, sf-aix.c or
 * sf-unknown.c gives sf_backend (its send and its refusal rule); one of
 * splice.c or nosplice.c gives splice_backend; sf-freebsd.c or noflags.c
 * gives sf_parse_flags; rw.c and platform.c are in every build.
 */
extern const struct backend	sf_backend;	/* the platform's sendfile */
extern const struct backend	rw_backend;	/* pread/read and send */
extern const struct backend	splice_backend;	/* NULL send: not here */
int		 splice_open(struct sf_scratch *, size_t);
void		 splice_close(struct sf_scratch *);
int		 sf_parse_flags(const char *, int *, const char **);

/* rw.c */
ssize_t		 rw_fill(const struct sf_chunk *, struct sf_scratch *);

/* platform.c */
int		 sf_cork(int, int);
int		 sf_push(int);
int		 sf_segments(int, uint64_t *);
int		 sf_unsent(int, size_t *);
int		 sf_tcp_end(int, int *, uint64_t *);
int		 sf_pseudo_file(int);
ssize_t		 sf_writev(const struct sf_chunk *, int);
size_t		 sf_file_avail(const struct sf_chunk *);
ssize_t		 sf_clamp(uintmax_t, size_t);

#endif /* ZC_BACKEND_H */
