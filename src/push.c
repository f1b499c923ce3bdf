/* SPDX-License-Identifier: ISC */
/*
 * Push mode: open the input (input.c), connect to every destination (HOST
 * PORT, each --to, or a Unix socket), drive all the transfers at once in
 * the event loop, then report each.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

static void	push_setup(const struct options *, const struct xfer_params *,
		    const struct input *, struct sockopts *, struct xfer **);
static int	push_dest(const struct options *, const struct dest *,
		    struct xfer_dest *, char *, size_t);
static int	push_report(const struct options *, const struct progress *,
		    struct xfer **);

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
 * Set up a transfer for every destination. The source address and port
 * (-s, -p) are resolved here, once for all of them, as the transfers
 * start: a name that does not resolve fails each transfer. A destination
 * that fails here under --fail-fast (or a signal) leaves the rest not
 * started and stops those set up before it. A transfer that cannot be
 * allocated ends the run with 71.
 */
static void
push_setup(const struct options *o, const struct xfer_params *par,
    const struct input *in, struct sockopts *so, struct xfer **xp)
{
	struct xfer_dest	 dst;
	const struct dest	*d;
	char			 msg[512], src_msg[512];
	size_t			 i;
	int			 stop = 0, src_status;

	src_status = sockopt_resolve(so, o->family, src_msg, sizeof(src_msg));
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
		} else if ((dst.status = src_status) != 0)
			dst.error = src_msg;
		else
			dst.status = push_dest(o, d, &dst, msg, sizeof(msg));
		if (!stop && dst.status != 0 && (o->fail_fast ||
		    dst.status == EXIT_SIGHUP || dst.status == EXIT_SIGINT ||
		    dst.status == EXIT_SIGTERM))
			stop = dst.status;
		if ((xp[i] = xfer_new(par, in, &dst)) == NULL)
			msg_exit(o, EXIT_OSERR, "transfers: %s",
			    strerror(errno));
	}
	for (i = 0; stop && i < o->ndests; i++)
		xfer_stop(xp[i], stop, "another destination failed");
}

/*
 * Tell how each transfer ended, and --json. Returns the exit status: 0
 * only if every destination got every byte, else the most serious failure.
 */
static int
push_report(const struct options *o, const struct progress *p,
    struct xfer **xp)
{
	struct xfer	*worst = NULL, *x;
	const char	*from;
	uint64_t	 segs;
	size_t		 i;
	int		 status = EXIT_OK, ferr;

	for (i = 0; i < o->ndests; i++) {
		x = xp[i];
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
push_main(struct options *o)
{
	struct xfer_params	 par;
	struct input		 in;
	struct sockopts		 so;
	struct xfer		**xp;
	struct progress		 p;
	struct loop		 l;
	char			 msg[256];
	uint64_t		 done = 0;
	size_t			 i;
	int			 status, err;

	options_params(o, &par);
	input_open(o, &in, &par);
	tls_setup(o, &par);
	/* -s and -p: this run's copy, resolved in push_setup. */
	so = o->sockopts;
	par.sockopts = &so;
	if ((xp = calloc(o->ndests, sizeof(struct xfer *))) == NULL)
		msg_exit(o, EXIT_OSERR, "transfers: %s", strerror(errno));
	push_setup(o, &par, &in, &so, xp);
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
			if (xfer_phase(xp[i]) != XFER_DONE &&
			    xfer_phase(xp[i]) != XFER_FAILED)
				xfer_fail_errno(xp[i], err);
	}
	progress_clear(&p);
	if (o->checksum)
		(void)checksum_settle(xp, o->ndests, in.name);
	/* A regular stdin: after the most any destination was sent. */
	if (in.rewind_stdin) {
		for (i = 0; i < o->ndests; i++)
			if (xfer_file_done(xp[i]) > done)
				done = xfer_file_done(xp[i]);
		(void)lseek(in.fd, in.start + (off_t)done, SEEK_SET);
	}

	status = push_report(o, &p, xp);
	checksum_cancel();
	for (i = 0; i < o->ndests; i++)
		xfer_close(xp[i]);
	free(xp);
	sockopt_free(&so);
	tls_ctx_free(par.tls_ctx);
	return status;
}
