/* SPDX-License-Identifier: ISC */
/*
 * zcrecv's transfer: the bytes from the socket into the output, by
 * splice(2) (socket -> pipe -> file, never through user space) or, where
 * splice refuses, under TLS without kernel TLS, and with --mode readwrite,
 * by read/write through one buffer. Then, at the sender's end of stream,
 * the end: fdatasync, --checksum (the stored range read back from the page
 * cache on a second thread) and --ack's answer (sent by recv-ack.c).
 * Every failure keeps what was written, synced, and says how many bytes
 * the file holds.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcrecv.h"

/* The pipe's size, and the most one splice or read moves. */
#define RECV_CHUNK	((size_t)1024 * 1024)
#define RECV_BUFSIZE	((size_t)256 * 1024)

static int	recv_wait(struct receiver *, short);
static int	recv_interrupted(struct receiver *);
static int	recv_failed(struct receiver *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static int	recv_sock_error(struct receiver *, int);
static int	recv_exceeded(struct receiver *);
static uint64_t	recv_room(const struct receiver *);
static int	recv_peek(struct receiver *);
static int	recv_next(struct receiver *, size_t, size_t *);
static int	recv_splice(struct receiver *);
static int	recv_copy(struct receiver *);
static int	recv_write(struct receiver *, const unsigned char *, size_t);
static int	recv_use_readwrite(struct receiver *, int, const char *);
static int	recv_unpipe(struct receiver *, int, size_t);
static int	recv_end(struct receiver *);
static void	recv_sync(struct receiver *);
static void	recv_holds(const struct receiver *, char *, size_t);
static void	recv_progress(struct receiver *, int);

/* What to poll for: what OpenSSL waits for under TLS, else plain. */
short
recv_events(const struct receiver *r, short plain)
{
	if (r->tls != NULL)
		return tls_ops.events(r->tls);
	return plain;
}

/* Record a failure: its status and message. Returns the status. */
int
recv_fail(struct receiver *r, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->status = status;
	if (r->end_ns == 0)
		r->end_ns = loop_now_ns();
	return status;
}

/*
 * A failure during the transfer: the message gets "; FILE holds N bytes",
 * the output is synced up to what was written, and with --ack the sender
 * is told (error MESSAGE), if it can still hear it. Returns the status.
 */
static int
recv_failed(struct receiver *r, int status, const char *fmt, ...)
{
	char	what[400], holds[128], line[ACK_LINE_MAX + 2];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* -k: the file keeps whole streams only; this one's bytes go. */
	if (r->o->keep_open && r->out.regular && r->out.fd > STDOUT_FILENO &&
	    ftruncate(r->out.fd, (off_t)r->out.base) == 0 &&
	    lseek(r->out.fd, (off_t)r->out.base, SEEK_SET) != -1)
		r->out.written = 0;
	recv_sync(r);
	recv_holds(r, holds, sizeof(holds));
	recv_fail(r, status, "%s; %s", what, holds);
	if (r->o->ack && r->sock != -1 && status != EXIT_SIGINT &&
	    status != EXIT_SIGTERM && status != EXIT_SIGHUP) {
		/* One line, as long as the protocol allows. */
		snprintf(line, sizeof(line), "error %.*s\n",
		    ACK_LINE_MAX - 7, what);
		if (recv_answer(r, line) == 0)
			recv_discard(r);
		else
			recv_fail(r, status, "%s; %s", what, holds);
	}
	return status;
}

/* "FILE holds N bytes" (or "wrote N bytes to stdout"), for messages. */
static void
recv_holds(const struct receiver *r, char *buf, size_t size)
{
	struct stat	st;

	if (r->out.regular && r->out.fd > STDOUT_FILENO &&
	    fstat(r->out.fd, &st) == 0)
		snprintf(buf, size, "%s holds %ju bytes", r->out.name,
		    (uintmax_t)st.st_size);
	else
		snprintf(buf, size, "wrote %ju bytes to %s",
		    (uintmax_t)r->out.written, r->out.name);
}

/* fdatasync a regular file, unless --no-fsync; a failure is the caller's. */
static void
recv_sync(struct receiver *r)
{
	if (!r->out.regular || r->o->no_fsync || r->out.synced)
		return;
	if (fdatasync(r->out.fd) == 0)
		r->out.synced = 1;
}

/* A stop signal came: 130 or 143, the file synced to what was written. */
static int
recv_interrupted(struct receiver *r)
{
	return recv_failed(r, loop_signal_status(), "interrupted by %s: "
	    "received %ju bytes from %s", loop_signal_name(),
	    (uintmax_t)r->received, r->peer);
}

/*
 * Wait for the socket to poll for events, bounded by --idle-timeout from
 * the last byte. Returns 0 to go on, or the exit status.
 */
static int
recv_wait(struct receiver *r, short events)
{
	struct pollfd	pfd;
	int64_t		left;
	int		ms = -1;

	if (r->o->idle_timeout_ms > 0) {
		left = r->last_move_ns + (int64_t)r->o->idle_timeout_ms *
		    1000000 - loop_now_ns();
		if (left <= 0)
			return recv_failed(r, EXIT_TEMPFAIL, "receive from %s: "
			    "idle for %g s after %ju bytes", r->peer,
			    r->o->idle_timeout_ms / 1000.0,
			    (uintmax_t)r->received);
		ms = (int)((left + 999999) / 1000000);
	}
	if (r->o->progress == PROGRESS_PLAIN || r->o->progress ==
	    PROGRESS_TTY)
		ms = ms == -1 || ms > 1000 ? 1000 : ms;
	pfd.fd = r->sock;
	pfd.events = events;
	pfd.revents = 0;
	if (loop_wait(&pfd, 1, ms) == -1) {
		if (loop_signalled())
			return recv_interrupted(r);
		return recv_failed(r, EXIT_OSERR, "poll: %s", strerror(errno));
	}
	recv_progress(r, 0);
	return 0;
}

/* A failure of the socket: a reset, TLS's own, or another errno. */
static int
recv_sock_error(struct receiver *r, int err)
{
	if (err == EPROTO && r->tls != NULL)
		return recv_failed(r, EXIT_PROTOCOL, "receive from %s: %s "
		    "after %ju bytes", r->peer, tls_ops.error(r->tls),
		    (uintmax_t)r->received);
	return recv_failed(r, EXIT_IOERR, "receive from %s: %s after %ju "
	    "bytes", r->peer, err == ECONNRESET ? "connection reset by peer" :
	    strerror(err), (uintmax_t)r->received);
}

/* --max-size: the sender has more than the file may hold. */
static int
recv_exceeded(struct receiver *r)
{
	return recv_failed(r, EXIT_IOERR, "receive from %s: stream exceeds "
	    "--max-size %ju bytes", r->peer, (uintmax_t)r->o->max_size);
}

/* Bytes the file may still take under --max-size. */
static uint64_t
recv_room(const struct receiver *r)
{
	uint64_t	held = r->out.base + r->out.offset + r->out.written;

	if (r->o->max_size == RECV_NO_LIMIT)
		return RECV_NO_LIMIT;
	return held >= r->o->max_size ? 0 : r->o->max_size - held;
}

/*
 * The file is full up to --max-size: is there more? Returns 0 at the
 * sender's end of stream (r->eof), or the exit status.
 */
static int
recv_peek(struct receiver *r)
{
	char	c;
	ssize_t	n;
	short	events;
	int	status;

	for (;;) {
		n = r->tls != NULL && !r->ktls_rx ?
		    tls_ops.recv(r->tls, &c, 1) :
		    recv(r->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n > 0)
			return recv_exceeded(r);
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return recv_sock_error(r, errno);
		/* kTLS: the kernel's records, read as a plain socket's. */
		events = POLLIN;
		if (!r->ktls_rx)
			events = recv_events(r, POLLIN);
		if ((status = recv_wait(r, events)) != 0)
			return status;
	}
}

/*
 * Before each read: a stop signal ends the transfer, and a file full up
 * to --max-size ends it at the sender's end of stream or fails it.
 * Returns 0 with *want set to how many bytes (at most cap) to read next,
 * or the status, with *want 0 (0 and r->eof set: the stream ended).
 */
static int
recv_next(struct receiver *r, size_t cap, size_t *want)
{
	uint64_t	room;

	*want = 0;
	if (loop_signalled())
		return recv_interrupted(r);
	if ((room = recv_room(r)) == 0)
		return recv_peek(r);
	*want = room < cap ? (size_t)room : cap;
	return 0;
}

/* Write n bytes of buf to the output, all of them. */
static int
recv_write(struct receiver *r, const unsigned char *buf, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(r->out.fd, buf, n)) == -1) {
			if (errno == EINTR && loop_signalled())
				return recv_interrupted(r);
			if (errno == EINTR)
				continue;
			return recv_failed(r, EXIT_IOERR, "write %s: %s",
			    r->out.name, strerror(errno));
		}
		r->out.written += (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
	checksum_grow(r->out.offset + r->out.written, 0);
	return 0;
}

/*
 * The zero-copy path: socket -> pipe -> output until the sender's end of
 * stream. Splice refused before a byte moved (an output without splice
 * support) hands over to read/write. Returns 0 at the end, or the status.
 */
static int
recv_splice(struct receiver *r)
{
	size_t		want;
	ssize_t		n, m;
	int		status;

	for (;;) {
		if ((status = recv_next(r, RECV_CHUNK, &want)) != 0 ||
		    want == 0)
			return status;
		n = recv_splice_in(r->sock, r->pipe_wr, want);
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((status = recv_wait(r, POLLIN)) != 0)
					return status;
				continue;
			}
			/* kTLS: a record that is not data (close_notify). */
			if (r->ktls_rx && (errno == EINVAL || errno == EIO))
				return recv_copy(r);
			if (recv_splice_refused(errno) && r->received == 0)
				return recv_use_readwrite(r, errno, NULL) != 0 ?
				    r->status : recv_copy(r);
			return recv_sock_error(r, errno);
		}
		r->received += (uint64_t)n;
		r->last_move_ns = loop_now_ns();
		while (n > 0) {
			if ((m = recv_splice_out(r->pipe_rd, r->out.fd,
			    (size_t)n)) == -1) {
				if (errno == EINTR && loop_signalled())
					return recv_interrupted(r);
				if (errno == EINTR)
					continue;
				if (recv_splice_refused(errno) &&
				    r->out.written == 0)
					return recv_unpipe(r, errno, (size_t)n);
				return recv_failed(r, EXIT_IOERR, "write %s: %s",
				    r->out.name, strerror(errno));
			}
			r->out.written += (uint64_t)m;
			n -= m;
		}
		checksum_grow(r->out.offset + r->out.written, 0);
		recv_progress(r, 0);
	}
}

/*
 * The copying path: recv (or SSL_read) into the buffer and write it out,
 * until the sender's end of stream. Returns 0 at the end, or the status.
 */
static int
recv_copy(struct receiver *r)
{
	size_t		want;
	ssize_t		n;
	int		status;

	if (r->buf == NULL && (r->buf = malloc(RECV_BUFSIZE)) == NULL)
		return recv_failed(r, EXIT_OSERR, "buffer: %s",
		    strerror(errno));
	r->bufsize = RECV_BUFSIZE;
	for (;;) {
		if ((status = recv_next(r, r->bufsize, &want)) != 0 ||
		    want == 0)
			return status;
		n = r->tls != NULL ? tls_ops.recv(r->tls, r->buf, want) :
		    recv(r->sock, r->buf, want, 0);
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return recv_sock_error(r, errno);
			if ((status = recv_wait(r, recv_events(r,
			    POLLIN))) != 0)
				return status;
			continue;
		}
		r->received += (uint64_t)n;
		r->last_move_ns = loop_now_ns();
		if (r->hash_stream)
			checksum_feed(r->buf, (size_t)n);
		if ((status = recv_write(r, r->buf, (size_t)n)) != 0)
			return status;
		recv_progress(r, 0);
	}
}

/*
 * The output refused splice (with err) while n bytes wait in the pipe:
 * read them out, write them, and go on by read/write. Returns as
 * recv_copy.
 */
static int
recv_unpipe(struct receiver *r, int err, size_t n)
{
	ssize_t	m;
	int	status;

	if ((r->buf = malloc(RECV_BUFSIZE)) == NULL)
		return recv_failed(r, EXIT_OSERR, "buffer: %s",
		    strerror(errno));
	recv_use_readwrite(r, err, NULL);
	while (n > 0) {
		if ((m = read(r->pipe_rd, r->buf, n < RECV_BUFSIZE ? n :
		    RECV_BUFSIZE)) == -1) {
			if (errno == EINTR)
				continue;
			return recv_failed(r, EXIT_OSERR, "pipe: %s",
			    strerror(errno));
		}
		if ((status = recv_write(r, r->buf, (size_t)m)) != 0)
			return status;
		n -= (size_t)m;
	}
	return recv_copy(r);
}

/*
 * Go by read/write: splice refused with err (0: not tried), or why
 * names another reason. Returns 0, or the status.
 */
static int
recv_use_readwrite(struct receiver *r, int err, const char *why)
{
	r->backend = r->tls != NULL ? "tls-readwrite" : "readwrite";
	r->fallback_errno = err;
	r->fallback_why = why;
	if (r->o->verbose && err != 0)
		msg_warnx("splice refused (%s): by read/write", strerror(err));
	else if (r->o->verbose && why != NULL)
		msg_warnx("%s: by read/write", why);
	return 0;
}

/*
 * Once the sender has ended its stream: sync, hash and (--ack) answer.
 * Returns 0, or the status.
 */
static int
recv_end(struct receiver *r)
{
	struct stat	 st, now;
	uint64_t	 size;
	const char	*hex = NULL;
	char		 msg[256], line[ACK_LINE_MAX + 2];
	int		 status;

	r->end_ns = loop_now_ns();
	if (r->out.regular && !r->o->no_fsync && fdatasync(r->out.fd) == -1)
		return recv_failed(r, EXIT_IOERR, "fdatasync %s: %s",
		    r->out.name, strerror(errno));
	r->out.synced = r->out.regular && !r->o->no_fsync;
	size = r->out.offset + r->out.written;
	if (r->out.regular && r->out.fd > STDOUT_FILENO) {
		if (fstat(r->out.fd, &st) == -1)
			return recv_failed(r, EXIT_IOERR, "%s: %s",
			    r->out.name, strerror(errno));
		size = (uint64_t)st.st_size - r->out.base;
		/* What a reader of the path would find is what counts. */
		if (stat(r->out.name, &now) == -1 || now.st_ino != st.st_ino ||
		    now.st_dev != st.st_dev)
			return recv_failed(r, EXIT_IOERR, "%s: the file "
			    "vanished", r->out.name);
	}
	if (r->o->checksum) {
		/* The hashing thread reads the rest, up to the size synced. */
		checksum_grow(size, 1);
		if ((status = checksum_result(r->out.name, r->out.written,
		    &hex, msg, sizeof(msg))) != 0)
			return recv_failed(r, status, "%s", msg);
		r->digest = hex;
	}
	if (!r->o->ack)
		return 0;
	snprintf(line, sizeof(line), "ok %ju%s%s\n", (uintmax_t)size,
	    hex != NULL ? " sha256:" : "", hex != NULL ? hex : "");
	if ((status = recv_answer(r, line)) != 0)
		return status;
	if (r->tls != NULL)
		(void)tls_ops.close(r->tls);
	return 0;
}

/* --progress: a line a second, redrawn on a terminal; final: the last. */
static void
recv_progress(struct receiver *r, int final)
{
	enum progress_mode	 mode = r->o->progress;
	char			 rate[32], size[32];
	int64_t			 now = loop_now_ns();
	double			 secs;

	if (mode == PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? PROGRESS_TTY : PROGRESS_NONE;
	if (mode == PROGRESS_NONE || (!final && now < r->next_draw_ns))
		return;
	r->next_draw_ns = now + 1000000000;
	secs = (double)(now - r->start_ns) / 1e9;
	format_size(size, sizeof(size), (double)r->received);
	format_size(rate, sizeof(rate), secs > 0 ?
	    (double)r->received / secs : 0.0);
	fprintf(stderr, "%s%s: received %s (%ju bytes), %s/s%s",
	    mode == PROGRESS_TTY ? "\r" : "", getprogname(), size,
	    (uintmax_t)r->received, rate, mode == PROGRESS_TTY ?
	    (final ? "\033[K\n" : "\033[K") : "\n");
	fflush(stderr);
}

/*
 * Receive the stream into the output, then end it (sync, hash, answer).
 * Returns the exit status, with r->error set on failure.
 */
int
recv_run(struct receiver *r)
{
	char	msg[256];
	int	status;

	r->start_ns = r->last_move_ns = loop_now_ns();
	r->next_draw_ns = r->start_ns + 1000000000;
	r->backend = r->ktls_rx ? "ktls-splice" : "splice";
	if (r->o->checksum && !(r->out.regular && r->out.readable)) {
		/* A stream cannot be read back: hash the bytes as they pass. */
		r->hash_stream = 1;
		if (checksum_start(-1, -1, COUNT_TO_EOF, msg, sizeof(msg)) ==
		    -1)
			return recv_failed(r, EXIT_OSERR, "%s", msg);
		recv_use_readwrite(r, 0, "--checksum of a stream");
	} else if (r->o->checksum && checksum_start_follow(r->out.fd,
	    (off_t)r->out.base, r->out.offset, msg, sizeof(msg)) == -1)
		return recv_failed(r, EXIT_OSERR, "%s", msg);
	if (!r->hash_stream && (r->o->mode == RECV_READWRITE ||
	    (r->tls != NULL && !r->ktls_rx)))
		recv_use_readwrite(r, 0, NULL);
	else if (!r->hash_stream && recv_splice_open(&r->pipe_rd, &r->pipe_wr,
	    RECV_CHUNK) == -1)
		return recv_failed(r, EXIT_OSERR, "pipe: %s", strerror(errno));
	else if (!r->hash_stream && r->pipe_rd == -1)
		recv_use_readwrite(r, ENOSYS, NULL);
	status = strcmp(r->backend, "splice") == 0 ||
	    strcmp(r->backend, "ktls-splice") == 0 ? recv_splice(r) :
	    recv_copy(r);
	if (r->pipe_rd != -1) {
		close(r->pipe_rd);
		close(r->pipe_wr);
	}
	free(r->buf);
	r->buf = NULL;
	if (status == 0)
		status = recv_end(r);
	recv_progress(r, 1);
	if (status != 0 && r->o->checksum)
		checksum_cancel();
	return status;
}

/* -v: the summary line, as zcsend's, and the digest. */
void
recv_report(struct receiver *r)
{
	char	rate[32];
	double	secs;

	if (r->o->checksum && r->digest != NULL && !r->o->quiet)
		msg_warnx("sha256 %s", r->digest);
	if (!r->o->verbose || r->start_ns == 0)
		return;
	secs = (double)(r->end_ns - r->start_ns) / 1e9;
	format_size(rate, sizeof(rate), secs > 0 ?
	    (double)r->received / secs : 0.0);
	msg_warnx("received %ju bytes in %.3f s (%s/s) via %s%s%s%s",
	    (uintmax_t)r->received, secs, rate, r->backend,
	    r->fallback_errno != 0 ? " (splice refused: " : "",
	    r->fallback_errno != 0 ? strerror(r->fallback_errno) : "",
	    r->fallback_errno != 0 ? ")" : "");
	if (r->out.synced)
		msg_warnx("%s: synced", r->out.name);
	if (r->ack_line[0] != '\0')
		msg_warnx("answered: %s", r->ack_line);
}

/* --json: one object, on stdout (on stderr when the data goes there). */
void
recv_json(struct receiver *r)
{
	FILE		*out = r->out.fd == STDOUT_FILENO ? stderr : stdout;
	struct tls_report rep;
	double		 secs;

	secs = r->start_ns == 0 ? 0.0 :
	    (double)(r->end_ns - r->start_ns) / 1e9;
	fputs("{\"file\":", out);
	json_string(out, r->o->path);
	fputs(",\"host\":", out);
	json_string(out, r->host[0] != '\0' ? r->host : NULL);
	fputs(",\"port\":", out);
	json_string(out, r->port[0] != '\0' ? r->port : NULL);
	fprintf(out, ",\"bytes\":%ju,\"file_bytes\":%ju,\"offset\":%ju,"
	    "\"seconds\":%.6f,\"rate\":%.1f,\"backend\":",
	    (uintmax_t)r->received, (uintmax_t)(r->out.offset +
	    r->out.written), (uintmax_t)r->out.offset, secs,
	    secs > 0 ? (double)r->received / secs : 0.0);
	json_string(out, r->start_ns == 0 ? NULL : r->backend);
	fputs(",\"fallback_errno\":", out);
	json_string(out, r->fallback_errno == 0 ? NULL :
	    r->fallback_errno == EINVAL ? "EINVAL" :
	    r->fallback_errno == ENOSYS ? "ENOSYS" :
	    r->fallback_errno == EOPNOTSUPP ? "EOPNOTSUPP" :
	    r->fallback_errno == EPERM ? "EPERM" : "other");
	fputs(",\"fallback_reason\":", out);
	json_string(out, r->fallback_why);
	fprintf(out, ",\"synced\":%s,\"sha256\":", r->out.synced ? "true" :
	    "false");
	json_string(out, r->digest);
	fputs(",\"ack\":", out);
	json_string(out, r->ack_line[0] != '\0' ? r->ack_line : NULL);
	if (r->o->tls.enabled) {
		fputs(",\"tls\":", out);
		if (r->tls == NULL)
			fputs("null", out);
		else {
			tls_ops.report(r->tls, &rep);
			fputs("{\"version\":", out);
			json_string(out, rep.version);
			fputs(",\"cipher\":", out);
			json_string(out, rep.cipher);
			fprintf(out, ",\"ktls_rx\":%s,\"ktls_rx_reason\":",
			    r->ktls_rx ? "true" : "false");
			json_string(out, r->ktls_rx ? NULL : rep.rx_reason);
			fputc('}', out);
		}
	}
	fprintf(out, ",\"status\":%d,\"error\":", r->status);
	json_string(out, r->status != 0 ? r->error : NULL);
	fputs("}\n", out);
	fflush(out);
}
