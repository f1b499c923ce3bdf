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
	struct xfer	x;
	char		host[1025];
	char		port[32];
	char		peer[1100];	/* "HOST port PORT" */
};

static void	serve_report(const struct options *, struct client *,
		    struct progress *);

/* Log a finished client of -k and free its slot. */
static void
serve_report(const struct options *o, struct client *c, struct progress *p)
{
	struct xfer	*xp = &c->x;

	if (o->json)
		report_json(stdout, o, &xp, 1, c->x.phase == XFER_DONE ?
		    EXIT_OK : c->x.status, NULL);
	if (c->x.phase != XFER_DONE)
		fprintf(stderr, "%s: %s\n", getprogname(), c->x.error);
	else if (o->verbose || o->progress == PROGRESS_PLAIN)
		progress_summary(p, &c->x, 1);
	close(c->x.sock);
	xfer_free(&c->x);
	c->in_use = 0;
}

/*
 * Serve in on the listening address of o. Returns the exit status: without
 * -k the one client's; with -k 0 once --max-clients were served or a signal
 * came while no transfer was in flight, else 130 or 143.
 */
int
serve_main(const struct options *o, struct input *in)
{
	struct client	*clients, *c;
	struct pollfd	*pfds;
	struct xfer	*xp = NULL;
	struct progress	 p;
	char		 where[1100], msg[512];
	uint64_t	 accepted = 0;
	size_t		 i, n, nactive, *owner;
	int64_t		 now;
	int		 lsock, sock, status, timeout, t, accepting;

	lsock = net_listen(o->unix_socket ? o->listen_port : o->listen_addr,
	    o->listen_port, o->family, o->unix_socket, where, sizeof(where), &status, msg, sizeof(msg));
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
		for (i = 0; i < o->max_conns; i++) {
			if (!clients[i].in_use)
				continue;
			if (xfer_step(&clients[i].x, &pfds[n])) {
				owner[n++] = i;
				nactive++;
				continue;
			}
			if (!o->keep_open) {
				status = clients[i].x.phase == XFER_DONE ?
				    EXIT_OK : clients[i].x.status;
				progress_clear(&p);
				if (status != EXIT_OK)
					fprintf(stderr, "%s: %s\n",
					    getprogname(), clients[i].x.error);
				else if (!o->quiet)
					progress_summary(&p, &clients[i].x, 1);
				if (o->json) {
					xp = &clients[i].x;
					report_json(stdout, o, &xp, 1, status,
					    NULL);
				}
				close(clients[i].x.sock);
				xfer_free(&clients[i].x);
				clients[i].in_use = 0;
				goto out;
			}
			serve_report(o, &clients[i], &p);
		}
		accepting = (o->keep_open || accepted == 0) &&
		    (o->max_clients == 0 || accepted < o->max_clients) &&
		    nactive < o->max_conns;
		if (!accepting && nactive == 0)
			break;
		if (accepting) {
			pfds[n].fd = lsock;
			pfds[n].events = POLLIN;
			owner[n++] = o->max_conns;	/* the listener */
		}
		now = loop_now_ns();
		for (i = 0; i < n; i++) {
			pfds[i].revents = 0;
			if (owner[i] == o->max_conns)
				continue;
			t = xfer_timeout_ms(&clients[owner[i]].x, now);
			if (t != -1 && (timeout == -1 || t < timeout))
				timeout = t;
		}
		if (loop_wait(pfds, (nfds_t)n, timeout) == -1) {
			if (errno != EINTR) {
				fprintf(stderr, "%s: poll: %s\n", getprogname(),
				    strerror(errno));
				status = EXIT_OSERR;
				break;
			}
			status = loop_signalled() == SIGTERM ? EXIT_SIGTERM :
			    EXIT_SIGINT;
			if (nactive == 0 && o->keep_open)
				status = EXIT_OK;	/* the usual way to stop */
			else if (nactive == 0)
				fprintf(stderr, "%s: interrupted by %s: no "
				    "client came\n", getprogname(),
				    status == EXIT_SIGTERM ? "SIGTERM" :
				    "SIGINT");
			for (i = 0; i < o->max_conns; i++) {
				if (!clients[i].in_use)
					continue;
				xfer_interrupt(&clients[i].x, loop_signalled());
				progress_clear(&p);
				if (o->keep_open)
					fprintf(stderr, "%s: %s: %s\n",
					    getprogname(), clients[i].peer,
					    clients[i].x.error);
				else
					fprintf(stderr, "%s: %s\n",
					    getprogname(), clients[i].x.error);
				if (o->json) {
					xp = &clients[i].x;
					report_json(stdout, o, &xp, 1, status,
					    NULL);
				}
				close(clients[i].x.sock);
				xfer_free(&clients[i].x);
				clients[i].in_use = 0;
			}
			break;
		}
		if (!o->keep_open && accepted > 0)
			progress_update(&p, &xp, 1, loop_now_ns());
		if (!accepting || pfds[n - 1].revents == 0)
			continue;
		for (i = 0; clients[i].in_use; i++)
			;	/* a free slot exists: nactive < max_conns */
		c = &clients[i];
		if ((sock = net_accept(lsock, c->host, sizeof(c->host),
		    c->port, sizeof(c->port))) == -1)
			continue;	/* gone already, or EAGAIN */
		c->in_use = 1;
		if (*c->port != '\0')
			snprintf(c->peer, sizeof(c->peer), "%s port %s",
			    c->host, c->port);
		else
			snprintf(c->peer, sizeof(c->peer), "%s", c->host);
		xfer_init(&clients[i].x, o, sock, in->fd, in->start, in->len,
		    clients[i].peer);
		c->x.path = in->name;
		c->x.host = c->host;
		c->x.port = c->port;
		xp = &c->x;
		accepted++;
		if (o->verbose)
			fprintf(stderr, "%s: %s connected\n", getprogname(),
			    c->peer);
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
