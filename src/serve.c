/* SPDX-License-Identifier: ISC */
/*
 * Listen mode, the zero-copy "nc -l < file": wait for clients and send each
 * the same byte range (with header and trailer) from the one page-cached
 * file. Nothing a client says is interpreted: what it sends is only drained
 * so that closing never resets a connection with data still unread. With
 * -k every client is served, concurrently, until a signal or --max-clients;
 * without it the first client's transfer is the whole run.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

/* One connected client and its transfer. */
struct client {
	int		in_use;
	int		ready;		/* its fd fired: step it */
	struct xfer	x;
	char		host[1025];
	char		port[32];
	char		peer[1100];	/* "HOST port PORT" */
};

/* How long accepting pauses after accept(2) fails for lack of fds. */
#define ACCEPT_PAUSE_NS		100000000

static void	serve_finish(const struct options *, struct client *,
		    struct progress *);
static int	serve_accept(const struct options *, int, struct client *,
		    struct input *);

/*
 * Report a finished client and free its slot. Without -k the one client's
 * outcome is the run's, reported as a push is; with -k a failure is
 * logged and a success only told with -v or --progress=plain.
 */
static void
serve_finish(const struct options *o, struct client *c, struct progress *p)
{
	struct xfer	*xp = &c->x;
	int		 status = c->x.phase == XFER_DONE ? EXIT_OK : c->x.status;

	progress_clear(p);
	if (status == EXIT_SIGINT || status == EXIT_SIGTERM)
		fprintf(stderr, "%s: %s%s%s\n", getprogname(),
		    o->keep_open ? c->peer : "", o->keep_open ? ": " : "",
		    c->x.error);
	else if (status != EXIT_OK)
		fprintf(stderr, "%s: %s\n", getprogname(), c->x.error);
	else if (!o->quiet && (!o->keep_open || o->verbose ||
	    o->progress == PROGRESS_PLAIN))
		progress_summary(p, &c->x, 1);
	if (o->json)
		report_json(stdout, o, &xp, 1, status, NULL);
	close(c->x.sock);
	xfer_free(&c->x);
	c->in_use = 0;
}

/*
 * Accept a waiting client into the free slot c. Returns 1 if one was
 * taken, 0 if nobody was there, -1 on an error worth pausing for (out of
 * descriptors: the listener stays readable and would spin).
 */
static int
serve_accept(const struct options *o, int lsock, struct client *c,
    struct input *in)
{
	int	sock;

	if ((sock = net_accept(lsock, c->host, sizeof(c->host), c->port,
	    sizeof(c->port))) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED ? 0 : -1;
	if (*c->port != '\0')
		snprintf(c->peer, sizeof(c->peer), "%s port %s", c->host,
		    c->port);
	else
		snprintf(c->peer, sizeof(c->peer), "%s", c->host);
	xfer_init(&c->x, o, sock, in->fd, in->start, in->len, c->peer);
	c->x.path = in->name;
	c->x.host = c->host;
	c->x.port = c->port;
	c->in_use = c->ready = 1;
	if (o->verbose)
		fprintf(stderr, "%s: %s connected\n", getprogname(), c->peer);
	return 1;
}

/*
 * Serve in on the listening address of o. Returns the exit status: without
 * -k the one client's; with -k 0 once --max-clients were served or a signal
 * came while no transfer was in flight, else 130 or 143.
 */
int
serve_main(const struct options *o, struct input *in)
{
	struct client	*clients = NULL, *c;
	struct pollfd	*pfds = NULL;
	struct progress	 p;
	char		 where[1100], msg[512];
	uint64_t	 accepted = 0;
	size_t		 i, n, nactive, *owner = NULL, active = 0;
	int64_t		 now, paused_until = 0;
	int		 lsock, status, timeout, t, accepting, warned = 0;

	lsock = net_listen(o->unix_socket ? o->listen_port : o->listen_addr,
	    o->listen_port, o->family, o->unix_socket, where, sizeof(where),
	    &status, msg, sizeof(msg));
	if (lsock == -1) {
		fprintf(stderr, "%s: %s\n", getprogname(), msg);
		return status;
	}
	if (!o->quiet)
		fprintf(stderr, "%s: listening on %s\n", getprogname(), where);

	clients = calloc(o->max_conns, sizeof(*clients));
	pfds = calloc(o->max_conns + 1, sizeof(*pfds));
	owner = calloc(o->max_conns + 1, sizeof(*owner));
	if (clients == NULL || pfds == NULL || owner == NULL) {
		fprintf(stderr, "%s: clients: %s\n", getprogname(),
		    strerror(errno));
		status = EXIT_OSERR;
		goto out;
	}
	/* With -k there is no one line to redraw: each client gets its own. */
	progress_start(&p, o->keep_open ? PROGRESS_NONE : o->progress,
	    isatty(STDERR_FILENO), loop_now_ns());
	status = EXIT_OK;
	for (;;) {
		n = nactive = 0;
		timeout = -1;
		now = loop_now_ns();
		for (i = 0; i < o->max_conns; i++) {
			c = &clients[i];
			if (!c->in_use)
				continue;
			/* Step only what fired or fell due, as xfer_run. */
			if ((c->ready || xfer_timeout_ms(&c->x, now) == 0) &&
			    !xfer_step(&c->x, &c->x.want)) {
				if (!o->keep_open)
					status = c->x.phase == XFER_DONE ?
					    EXIT_OK : c->x.status;
				serve_finish(o, c, &p);
				if (!o->keep_open)
					goto out;
				continue;
			}
			c->ready = 0;
			pfds[n] = c->x.want;
			owner[n++] = i;
			nactive++;
			active = i;
			t = xfer_timeout_ms(&c->x, now);
			if (t != -1 && (timeout == -1 || t < timeout))
				timeout = t;
		}
		accepting = (o->keep_open || accepted == 0) &&
		    (o->max_clients == 0 || accepted < o->max_clients) &&
		    nactive < o->max_conns;
		if (!accepting && nactive == 0)
			break;
		if (accepting && paused_until > now) {
			t = (int)((paused_until - now) / 1000000) + 1;
			if (timeout == -1 || t < timeout)
				timeout = t;
		} else if (accepting) {
			pfds[n].fd = lsock;
			pfds[n].events = POLLIN;
			owner[n++] = o->max_conns;	/* the listener */
		}
		t = progress_due_ms(&p, now);
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		for (i = 0; i < n; i++)
			pfds[i].revents = 0;
		if (loop_wait(pfds, (nfds_t)n, timeout) == -1) {
			if (errno != EINTR) {
				fprintf(stderr, "%s: poll: %s\n", getprogname(),
				    strerror(errno));
				status = EXIT_OSERR;
				break;
			}
			status = loop_signal_status();
			if (nactive == 0 && o->keep_open)
				status = EXIT_OK;	/* the usual way to stop */
			else if (nactive == 0)
				fprintf(stderr, "%s: interrupted by %s: no "
				    "client came\n", getprogname(),
				    loop_signal_name());
			for (i = 0; i < o->max_conns; i++) {
				if (!clients[i].in_use)
					continue;
				xfer_interrupt(&clients[i].x);
				serve_finish(o, &clients[i], &p);
			}
			break;
		}
		for (i = 0; i < n; i++) {
			if (pfds[i].revents == 0)
				continue;
			if (owner[i] < o->max_conns) {
				clients[owner[i]].ready = 1;
				continue;
			}
			for (c = clients; c->in_use; c++)
				;	/* a free slot: nactive < max_conns */
			switch (serve_accept(o, lsock, c, in)) {
			case 1:
				accepted++;
				active = (size_t)(c - clients);
				break;
			case -1:
				if (!warned++)
					fprintf(stderr, "%s: accept: %s\n",
					    getprogname(), strerror(errno));
				paused_until = loop_now_ns() + ACCEPT_PAUSE_NS;
				break;
			default:
				break;
			}
		}
		if (!o->keep_open && clients[active].in_use) {
			struct xfer *xp = &clients[active].x;

			progress_update(&p, &xp, 1, loop_now_ns());
		}
	}
out:
	close(lsock);
	if (o->unix_socket)
		(void)unlink(o->listen_port);
	free(clients);
	free(pfds);
	free(owner);
	return status;
}
