/* SPDX-License-Identifier: ISC */
/*
 * Push mode: open the input, connect to every destination (HOST PORT, each
 * --to, or a Unix socket), drive all the transfers at once in the event
 * loop, then report each. Listen mode (serve.c) shares the input rules.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

static void	skip_stream(const struct options *, struct input *);
static int	skip_wait(int, int64_t);
static void	push_setup(const struct options *, const struct xfer_params *,
		    const struct input *, struct xfer *);
static int	push_dest(const struct options *, const struct dest *,
		    struct xfer_dest *, char *, size_t);
static int	push_report(const struct options *, const struct progress *,
		    struct xfer *, struct xfer **);

/*
 * Open FILE (or take stdin), and work out the range to send; a stream may
 * change the mode in par. Exits on failure, with --json too. A regular file
 * is sent by offset from its start (stdin: from its current position); a
 * file whose size is not its content (/proc, /sys) is sent to its real end;
 * anything else is a stream, read in order with read/write.
 */
void
input_open(const struct options *o, struct input *in,
    struct xfer_params *par)
{
	struct stat	st;
	uint64_t	size;
	off_t		pos = 0;
	int		pseudo = 0;

	memset(in, 0, sizeof(*in));
	if (strcmp(o->path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->name = "stdin";
		if (o->stdin_closed)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(EBADF));
	} else {
		in->name = o->path;
		/* A FIFO blocks here until a writer comes: ^C ends that. */
		if ((in->fd = open(o->path, O_RDONLY | O_CLOEXEC)) == -1 &&
		    errno == EINTR && loop_signalled())
			msg_exit(o, loop_signal_status(), "interrupted by %s: "
			    "opening %s", loop_signal_name(), in->name);
		if (in->fd == -1)
			msg_exit(o, xfer_open_status(errno), "%s: %s",
			    in->name, strerror(errno));
	}
	if (fstat(in->fd, &st) == -1)
		msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(EISDIR));

	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		/*
		 * Streams are read in order: a pipe with splice where the
		 * platform has it, anything else with read/write. Bytes read
		 * are gone, so a stream can feed one receiver only.
		 */
		if (o->ndests > 1 || o->keep_open)
			msg_exit(o, EXIT_USAGE, "%s: a stream can be sent to one "
			    "receiver only", in->name);
		/* --tls encrypts from a buffer: read, never spliced. */
		if (par->mode == MODE_SENDFILE)
			par->mode = S_ISFIFO(st.st_mode) &&
			    splice_backend.send != NULL && !o->tls.enabled ?
			    MODE_SPLICE : MODE_READWRITE;
		/* --checksum: the bytes must pass through user space. */
		if (o->checksum)
			par->mode = MODE_READWRITE;
		if (o->verbose)
			msg_warnx("%s is not a regular file: using %s",
			    in->name, par->mode == MODE_SPLICE ? "splice" :
			    "readwrite");
		in->start = -1;
		in->len = o->count;
		in->unsized = 1;
		skip_stream(o, in);
		return;
	}
	if (in->fd == STDIN_FILENO) {
		if ((pos = lseek(in->fd, 0, SEEK_CUR)) == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		in->rewind_stdin = 1;
	}
	in->start = pos + (off_t)o->offset;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(in->fd, 0, SEEK_END);

		if (end == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		st.st_size = end;
	}
	if (st.st_size == 0 || (pseudo = sf_pseudo_file(in->fd))) {
		/*
		 * The size says nothing (or nothing to check a range
		 * against): send what is there, to EOF.
		 */
		in->len = o->count;
		in->unsized = 1;
		/*
		 * --checksum: a second read of a pseudo-file can differ from
		 * the bytes sent, so it is read once, as a stream is, and
		 * hashed as its bytes go out.
		 */
		if (o->checksum && o->ndests <= 1 && !o->keep_open) {
			par->mode = MODE_READWRITE;
			in->start = -1;
			skip_stream(o, in);
		} else if (o->checksum && (pseudo || sf_pseudo_file(in->fd)))
			msg_exit(o, EXIT_USAGE, "%s: --checksum of a pseudo-file "
			    "goes to one receiver only: each read of it can "
			    "differ", in->name);
		return;
	}
	size = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	if (o->offset > size)
		msg_exit(o, EXIT_RANGE, "%s: offset %ju is past the end of the file "
		    "(%ju bytes)", in->name, (uintmax_t)o->offset,
		    (uintmax_t)size);
	if (o->count != COUNT_TO_EOF && o->count > size - o->offset)
		msg_exit(o, EXIT_RANGE, "%s: offset %ju + count %ju is past the "
		    "end of the file (%ju bytes)", in->name,
		    (uintmax_t)o->offset, (uintmax_t)o->count,
		    (uintmax_t)size);
	in->len = o->count != COUNT_TO_EOF ? o->count : size - o->offset;
	/* --json of a run that fails before any transfer gives it too. */
	msg_exit_count(in->len);
}

/*
 * A stream cannot seek: --offset reads and drops that many bytes. A stream
 * that gives nothing for --idle-timeout fails with 75 here, before any
 * connection, as it would once sending.
 */
static void
skip_stream(const struct options *o, struct input *in)
{
	char		buf[65536];
	uint64_t	left = o->offset;
	int64_t		idle_ns = (int64_t)o->idle_timeout_ms * 1000000;
	int64_t		deadline = loop_now_ns() + idle_ns;
	ssize_t		n;
	int		r;

	while (left > 0) {
		if (idle_ns > 0 && (r = skip_wait(in->fd, deadline)) <= 0) {
			if (r == 0)
				msg_exit(o, EXIT_TEMPFAIL, "%s: idle timeout "
				    "(%g s) after skipping %ju of %ju bytes",
				    in->name, o->idle_timeout_ms / 1000.0,
				    (uintmax_t)(o->offset - left),
				    (uintmax_t)o->offset);
			if (errno != EINTR)
				msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
				    strerror(errno));
			if (loop_signalled())
				msg_exit(o, loop_signal_status(), "interrupted "
				    "by %s: skipping to the offset",
				    loop_signal_name());
			continue;
		}
		n = read(in->fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf));
		if (n == -1 && errno == EINTR && !loop_signalled())
			continue;
		if (n == -1 && loop_signalled())
			msg_exit(o, loop_signal_status(), "interrupted by %s: "
			    "skipping to the offset", loop_signal_name());
		if (n == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		if (n == 0)
			msg_exit(o, EXIT_RANGE, "%s: offset %ju is past the end of "
			    "the input (%ju bytes)", in->name,
			    (uintmax_t)o->offset,
			    (uintmax_t)(o->offset - left));
		left -= (uint64_t)n;
		deadline = loop_now_ns() + idle_ns;
	}
}

/*
 * Wait in loop_wait (so a stop signal is never missed) until fd has
 * something to read (or its end), at most until the monotonic deadline:
 * 1 when it has, 0 at the deadline, -1 with errno (EINTR: a stop signal).
 */
static int
skip_wait(int fd, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((left = deadline - loop_now_ns()) > 0) {
		pfd.revents = 0;
		if ((r = loop_wait(&pfd, 1, (int)((left + 999999) / 1000000)))
		    != 0)
			return r;
	}
	return 0;
}

/*
 * Where destination d goes: its addresses (TCP, resolved here) or its
 * Unix socket's; the connect runs in the loop. Returns 0, or an exit
 * status with dst->error set to msg.
 */
static int
push_dest(const struct options *o, const struct dest *d,
    struct xfer_dest *dst, char *msg, size_t msglen)
{
	int	gerr;

	if (!o->unix_socket) {
		if ((gerr = net_resolve(d->host, d->portnum, o->family,
		    &dst->ai)) == 0)
			return 0;
		snprintf(msg, msglen, "resolve %s: %s", d->host,
		    net_gai_error(gerr));
		dst->error = msg;
		return EXIT_NOHOST;
	}
	/* A Unix socket is connected in the loop too, as TCP is. */
	if (net_unix_ai(d->host, &dst->ai) == 0)
		return 0;
	dst->error = msg;
	return xfer_connect_error(errno, d->host, o->connect_timeout_ms, msg,
	    msglen);
}

/*
 * Set up a transfer for every destination. A destination that fails here
 * under --fail-fast (or a signal) leaves the rest not started and stops
 * those set up before it.
 */
static void
push_setup(const struct options *o, const struct xfer_params *par,
    const struct input *in, struct xfer *xs)
{
	struct xfer_dest	 dst;
	const struct dest	*d;
	char			 msg[512];
	size_t			 i;
	int			 stop = 0;

	for (i = 0; i < o->ndests; i++) {
		d = &o->dests[i];
		memset(&dst, 0, sizeof(dst));
		dst.sock = -1;
		dst.peer = d->peer;
		dst.host = d->host;
		dst.port = d->port;
		if (stop) {
			dst.status = stop;
			snprintf(msg, sizeof(msg), "send to %.400s: not "
			    "started: another destination failed", d->peer);
			dst.error = msg;
		} else if ((dst.status = push_dest(o, d, &dst, msg,
		    sizeof(msg))) != 0 && (o->fail_fast ||
		    dst.status == EXIT_SIGHUP || dst.status == EXIT_SIGINT ||
		    dst.status == EXIT_SIGTERM))
			stop = dst.status;
		xfer_init(&xs[i], par, in, &dst);
	}
	for (i = 0; stop && i < o->ndests; i++)
		xfer_stop(&xs[i], stop, "another destination failed");
}

/*
 * Tell how each transfer ended, and --json. Returns the exit status: 0
 * only if every destination got every byte, else the most serious failure.
 */
static int
push_report(const struct options *o, const struct progress *p,
    struct xfer *xs, struct xfer **xp)
{
	struct xfer	*worst = NULL, *x;
	const char	*from;
	uint64_t	 segs;
	size_t		 i;
	int		 status = EXIT_OK, ferr;

	for (i = 0; i < o->ndests; i++) {
		x = &xs[i];
		if (o->verbose && xfer_sock(x) != -1 &&
		    sf_segments(xfer_sock(x), &segs) == 0)
			msg_warnx("%s%sdata segments sent: %ju",
			    o->multi ? xfer_peer(x) : "", o->multi ? ": " : "",
			    (uintmax_t)segs);
		if (o->verbose && (ferr = xfer_fallback(x, &from)) != 0)
			msg_warnx("%s refused the input (%s): fell back to %s",
			    from, strerror(ferr), xfer_backend_name(x));
		if (xfer_phase(x) != XFER_DONE) {
			msg_warnx("%s", xfer_error(x));
			if (exit_severity(xfer_status(x)) >
			    exit_severity(status)) {
				status = xfer_status(x);
				worst = x;
			}
		} else if (!o->quiet)
			progress_summary(p, x, o->multi);
	}
	if (o->checksum && !o->quiet)
		checksum_report(o->verbose);
	/* With --to each destination's failure is in its own entry. */
	if (o->json)
		report_json(stdout, o, xp, o->ndests, status,
		    worst != NULL && !o->multi ? xfer_error(worst) : NULL);
	return status;
}

/*
 * Push the input to every destination of o at once, in one loop, and
 * report each. Returns the exit status (see push_report).
 */
int
push_main(const struct options *o)
{
	struct xfer_params	 par;
	struct input		 in;
	struct xfer		*xs, **xp;
	struct progress		 p;
	struct loop		 l;
	char			 msg[256];
	uint64_t		 done = 0;
	size_t			 i;
	int			 status, err;

	options_params(o, &par);
	input_open(o, &in, &par);
	tls_setup(o, &par);
	xs = calloc(o->ndests, sizeof(*xs));
	xp = calloc(o->ndests, sizeof(struct xfer *));
	if (xs == NULL || xp == NULL)
		msg_exit(o, EXIT_OSERR, "transfers: %s", strerror(errno));
	for (i = 0; i < o->ndests; i++)
		xp[i] = &xs[i];
	push_setup(o, &par, &in, xs);
	/* --checksum: hashed once, on a thread of its own, for every receiver. */
	if (o->checksum && checksum_start(in.fd, in.start, in.len, msg,
	    sizeof(msg)) == -1)
		msg_exit(o, EXIT_OSERR, "%s", msg);

	progress_start(&p, o->progress, isatty(STDERR_FILENO), loop_now_ns());
	memset(&l, 0, sizeof(l));
	l.slots = xp;
	l.nslots = o->ndests;
	l.progress = &p;
	l.progress_ops = &progress_ops;
	l.fail_fast = o->fail_fast;
	l.listen_fd = -1;
	if (loop_run(&l) == -1) {
		err = errno;
		for (i = 0; i < o->ndests; i++)
			if (xfer_phase(&xs[i]) != XFER_DONE &&
			    xfer_phase(&xs[i]) != XFER_FAILED)
				xfer_fail_errno(&xs[i], err);
	}
	progress_clear(&p);
	if (o->checksum)
		(void)checksum_settle(xp, o->ndests, in.name);
	/* A regular stdin: after the most any destination was sent. */
	if (in.rewind_stdin) {
		for (i = 0; i < o->ndests; i++)
			if (xfer_file_done(&xs[i]) > done)
				done = xfer_file_done(&xs[i]);
		(void)lseek(in.fd, in.start + (off_t)done, SEEK_SET);
	}

	status = push_report(o, &p, xs, xp);
	checksum_cancel();
	for (i = 0; i < o->ndests; i++)
		xfer_close(&xs[i]);
	free(xs);
	free(xp);
	tls_ctx_free(par.tls_ctx);
	return status;
}
