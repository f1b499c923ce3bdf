/* SPDX-License-Identifier: ISC */
/*
 * Listen mode, the zero-copy "nc -l < file": wait for clients and send each
 * the same byte range (with header and trailer) from the one page-cached
 * file. Nothing a client says is interpreted: what it sends is only drained
 * so that closing never resets a connection with data still unread. With
 * -k every client is served, concurrently, until a signal or --max-clients;
 * without it the first client's transfer is the whole run. The event loop
 * (loop.c) does the waiting; this file only accepts and finishes clients.
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

/* One connected client and its transfer. */
struct client {
	struct xfer	*x;
	char		host[1025];
	char		port[32];
	char		peer[1100];	/* "HOST port PORT" */
};

/* A listen run: what the loop's callbacks share. */
struct serve {
	const struct options	*o;
	const struct xfer_params *par;
	const struct input	*in;
	int			 lsock;
	struct client		*clients;
	struct xfer		**slots;
	struct progress		 p;
	uint64_t		 accepted;
	uint64_t		 served;	/* clients that got every byte */
	int			 worst;		/* the most serious failure */
	uint64_t		 file_done;	/* most file bytes a client got */
	int			 warned;	/* accept failing was told */
	int			 status;	/* without -k: the client's */
};

static int	serve_listen(const struct options *, char *, size_t, char *,
		    size_t);
static int	serve_accepting(void *, size_t);
static int	serve_accept(void *, size_t);
static int	serve_finish(void *, size_t);
static int	serve_run(struct serve *);

/*
 * Returns the listening socket of o, with host and port set to the address
 * bound (numeric: the port the system picked, with port 0; a Unix socket:
 * its path and an empty port), or exits telling why, with --json too.
 */
static int
serve_listen(const struct options *o, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		*res;
	const char		*addr = o->listen_addr;
	socklen_t		 sslen = sizeof(ss);
	int			 gerr, sock, err;

	if (o->unix_socket) {
		if ((sock = net_listen_unix(o->listen_port)) == -1) {
			err = errno;
			if (err == ENAMETOOLONG)
				msg_exit(o, xfer_errno_status(err), "%s: %s",
				    o->listen_port, strerror(err));
			msg_exit(o, xfer_errno_status(err), "listen %s: %s",
			    o->listen_port, strerror(err));
		}
		snprintf(host, hostlen, "%s", o->listen_port);
		*port = '\0';
		return sock;
	}
	if ((gerr = net_resolve(addr, o->listen_port, o->family,
	    &res)) != 0)
		msg_exit(o, EXIT_NOHOST, "resolve %s: %s",
		    addr != NULL ? addr : "*", net_gai_error(gerr));
	sock = net_listen(res, o->family == AF_INET6);
	err = errno;
	freeaddrinfo(res);
	if (sock == -1)
		msg_exit(o, xfer_errno_status(err), "listen %s port %s: %s",
		    addr != NULL ? addr : "*", o->listen_port, strerror(err));
	if (getsockname(sock, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, host,
	    (socklen_t)hostlen, port, (socklen_t)portlen,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, hostlen, "%s", addr != NULL ? addr : "*");
		snprintf(port, portlen, "%s", o->listen_port);
	}
	return sock;
}

/*
 * Whether another client may come, with nactive transfers in flight. Only
 * clients served count toward --max-clients: a port scan, a probe that
 * does not speak TLS or a handshake that times out uses up nothing.
 */
static int
serve_accepting(void *arg, size_t nactive)
{
	struct serve	*s = arg;

	return (s->o->keep_open || s->accepted == 0) &&
	    (s->o->max_clients == 0 ||
	    s->served + nactive < s->o->max_clients);
}

/*
 * Accept a waiting client into the free slot i. Returns 1 if one was
 * taken, 0 if nobody was there, -1 on an error worth pausing for (out of
 * descriptors or memory: the listener stays readable and would spin). A
 * client whose transfer cannot be allocated is told, and closed.
 */
static int
serve_accept(void *arg, size_t i)
{
	struct serve	*s = arg;
	struct client	*c = &s->clients[i];
	struct xfer_dest d;
	char		 msg[256];

	memset(&d, 0, sizeof(d));
	if ((d.sock = net_accept(s->lsock, c->host, sizeof(c->host), c->port,
	    sizeof(c->port))) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED)
			return 0;
		if (!s->warned++)
			msg_warnx("accept: %s", strerror(errno));
		return -1;
	}
	/* A client of a Unix socket has no name but the socket's path. */
	if (s->o->unix_socket) {
		snprintf(c->host, sizeof(c->host), "%s", s->o->listen_port);
		*c->port = '\0';
	}
	if (*c->port != '\0')
		snprintf(c->peer, sizeof(c->peer), "%s port %s", c->host,
		    c->port);
	else
		snprintf(c->peer, sizeof(c->peer), "%s", c->host);
	d.peer = c->peer;
	d.host = c->host;
	d.port = c->port;
	if ((c->x = xfer_new(s->par, s->in, &d)) == NULL) {
		msg_warnx("%s: transfer: %s", c->peer, strerror(errno));
		(void)close(d.sock);
		if (exit_severity(EXIT_OSERR) > exit_severity(s->worst))
			s->worst = EXIT_OSERR;
		return -1;
	}
	s->slots[i] = c->x;
	s->accepted++;
	/*
	 * Without -k the progress line is this client's: its elapsed time,
	 * rate and stall count from now, not from the listen.
	 */
	if (!s->o->keep_open)
		progress_start(&s->p, s->o->progress, isatty(STDERR_FILENO),
		    loop_now_ns());
	if (s->o->verbose)
		msg_warnx("%s connected", c->peer);
	/* --sndbuf, --tos */
	if (sockopt_apply(d.sock, AF_UNSPEC, NULL, &s->o->sockopts, msg,
	    sizeof(msg)) == -1)
		xfer_stop(c->x, EXIT_UNAVAILABLE, msg);
	else if (s->o->verbose)
		sockopt_report(d.sock, sockopt_family(d.sock),
		    &s->o->sockopts, c->peer, msg_note);
	return 1;
}

/*
 * Report the client in slot i, which ended, and free the slot. Without -k
 * the one client's outcome is the run's, reported as a push is, and the
 * run ends (returns -1); with -k a failure is logged and a success only
 * told with -v or --progress=plain.
 */
static int
serve_finish(void *arg, size_t i)
{
	struct serve		*s = arg;
	const struct options	*o = s->o;
	struct client		*c = &s->clients[i];
	struct xfer		*xp = c->x;
	int			 status = xfer_status(xp);

	progress_clear(&s->p);
	if (o->checksum) {
		(void)checksum_settle(&xp, 1, s->in->name);
		status = xfer_status(xp);
	}
	/* With -k, name the client, unless the message does already. */
	if ((status == EXIT_SIGHUP || status == EXIT_SIGINT ||
	    status == EXIT_SIGTERM) && o->keep_open &&
	    strstr(xfer_error(xp), c->peer) == NULL)
		msg_warnx("%s: %s", c->peer, xfer_error(xp));
	else if (status != EXIT_OK)
		msg_warnx("%s", xfer_error(xp));
	else if (!o->quiet && (!o->keep_open || o->verbose ||
	    o->progress == PROGRESS_PLAIN)) {
		progress_summary(&s->p, xp, 1);
		if (o->checksum)
			checksum_report(o->verbose);
	}
	if (o->json)
		report_json(stdout, o, &xp, 1, status, NULL);
	if (status == EXIT_OK)
		s->served++;
	else if (exit_severity(status) > exit_severity(s->worst))
		s->worst = status;
	if (xfer_file_done(xp) > s->file_done)
		s->file_done = xfer_file_done(xp);
	xfer_close(xp);
	c->x = s->slots[i] = NULL;
	if (o->keep_open)
		return 0;
	s->status = status;
	return -1;
}

/* Run the loop over the clients. Returns the exit status. */
static int
serve_run(struct serve *s)
{
	const struct options	*o = s->o;
	struct loop		 l;
	char			 msg[64];

	memset(&l, 0, sizeof(l));
	l.slots = s->slots;
	l.nslots = o->max_conns;
	l.progress = &s->p;
	l.progress_ops = &progress_ops;
	l.listen_fd = s->lsock;
	l.arg = s;
	l.accepting = serve_accepting;
	l.accept = serve_accept;
	l.finish = serve_finish;
	if (loop_run(&l) == -1) {
		msg_warnx("poll: %s", strerror(errno));
		return EXIT_OSERR;
	}
	if (l.signalled == 0)
		return s->status;
	/* The usual way to stop, unless every client failed. */
	if (l.nactive == 0 && o->keep_open)
		return s->served == 0 ? s->worst : EXIT_OK;
	if (l.nactive == 0) {
		snprintf(msg, sizeof(msg), "interrupted by %s: no client came",
		    loop_signal_name());
		msg_warnx("%s", msg);
		if (o->json)
			report_json_unstarted(stdout, o, s->in->len,
			    l.signalled, msg);
	}
	return l.signalled;
}

/*
 * Serve the input of o on its listening address. Returns the exit status:
 * without -k the one client's; with -k 0 once --max-clients were served
 * or a signal came while no transfer was in flight (then, if clients came
 * and none was served, the most serious of their statuses), else 130 or
 * 143.
 */
int
serve_main(struct options *o)
{
	struct xfer_params	par;
	struct input		in;
	struct serve		s;
	char			host[1025], port[32], msg[512];
	size_t			i;
	int			status;

	options_params(o, &par);
	input_open(o, &in, &par);
	tls_setup(o, &par);
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.par = &par;
	s.in = &in;
	s.lsock = serve_listen(o, host, sizeof(host), port, sizeof(port));
	if (!o->quiet && *port != '\0')
		msg_warnx("listening on %s port %s", host, port);
	else if (!o->quiet)
		msg_warnx("listening on %s", host);
	if (o->json)
		report_json_listening(stdout, host, *port != '\0' ? port :
		    NULL);
	/* --checksum: hashed once, for every client. */
	if (o->checksum && checksum_start(in.fd, in.start, in.len, msg,
	    sizeof(msg)) == -1) {
		msg_warnx("%s", msg);
		status = EXIT_OSERR;
	} else if ((s.clients = calloc(o->max_conns,
	    sizeof(*s.clients))) == NULL || (s.slots = calloc(o->max_conns,
	    sizeof(struct xfer *))) == NULL) {
		msg_warnx("clients: %s", strerror(errno));
		status = EXIT_OSERR;
	} else {
		/* With -k there is no one line to redraw: each has its own. */
		progress_start(&s.p, o->keep_open ? PROGRESS_NONE :
		    o->progress, isatty(STDERR_FILENO), loop_now_ns());
		status = serve_run(&s);
		progress_clear(&s.p);
		for (i = 0; i < o->max_conns; i++)
			if (s.slots[i] != NULL)
				xfer_close(s.slots[i]);
	}
	/* A regular file on stdin: its position after the last byte sent. */
	if (in.rewind_stdin)
		(void)lseek(in.fd, in.start + (off_t)s.file_done, SEEK_SET);
	checksum_cancel();
	close(s.lsock);
	if (o->unix_socket)
		(void)unlink(o->listen_port);
	free(s.clients);
	free(s.slots);
	tls_ctx_free(par.tls_ctx);
	return status;
}
