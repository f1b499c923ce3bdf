/* SPDX-License-Identifier: ISC */
/*
 * zcrecv: the receiving end. main, the output file, and the connection: a
 * listener's first sender (-l) or a connect to a zcsend -l, plain or with
 * TLS. The command line is read in zcrecv-options.c, the bytes themselves
 * go in recv.c.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcrecv.h"

static int		recv_open_output(struct receiver *);
static int		recv_listen(struct receiver *, int *);
static int		recv_sender(struct receiver *);
static void		recv_sender_end(struct receiver *, int);
static void		recv_next_sender(struct receiver *);
static void		recv_unlisten(const struct recv_options *, int *);
static int		recv_accept(struct receiver *, int);
static int		recv_connect(struct receiver *);
static int		recv_handshake(struct receiver *);
static int		recv_wait_fd(struct receiver *, int, short, int64_t,
			    const char *);

/*
 * Open (create, truncate unless --append) the output before any
 * connection, so that a path that cannot be written fails at once with
 * 73. Returns 0, or the exit status with r->error set.
 */
static int
recv_open_output(struct receiver *r)
{
	const struct recv_options *o = r->o;
	struct recv_out	*out = &r->out;
	struct stat	 st;
	off_t		 end;
	int		 flags;

	if (strcmp(o->path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		out->name = "stdout";
		if (fstat(out->fd, &st) == -1)
			return recv_fail(r, EXIT_CANTCREAT, "stdout: %s",
			    strerror(errno));
		out->regular = S_ISREG(st.st_mode);
		return 0;
	}
	out->name = o->path;
	/*
	 * O_NONBLOCK: a FIFO nobody reads fails now (ENXIO) instead of
	 * hanging; writes go blocking once it is open. --checksum reads
	 * what was stored back, so it needs the file readable too.
	 */
	flags = (o->checksum ? O_RDWR : O_WRONLY) | O_CREAT | O_NONBLOCK |
	    O_CLOEXEC | (o->append ? 0 : O_TRUNC);
	if ((out->fd = open(o->path, flags, 0666)) == -1) {
		if (errno == ENXIO)
			return recv_fail(r, EXIT_CANTCREAT, "open %s: a FIFO "
			    "with no reader", o->path);
		return recv_fail(r, EXIT_CANTCREAT, "open %s: %s", o->path,
		    strerror(errno));
	}
	if (fstat(out->fd, &st) == -1 || fcntl(out->fd, F_SETFL,
	    fcntl(out->fd, F_GETFL) & ~O_NONBLOCK) == -1)
		return recv_fail(r, EXIT_CANTCREAT, "%s: %s", o->path,
		    strerror(errno));
	out->regular = S_ISREG(st.st_mode);
	out->readable = o->checksum;
	if (o->resume && !out->regular)
		return recv_fail(r, EXIT_USAGE, "--resume %s: not a regular "
		    "file", o->path);
	if (o->append && out->regular) {
		/* Not O_APPEND: splice(2) refuses to write to such a file. */
		if ((end = lseek(out->fd, 0, SEEK_END)) == -1)
			return recv_fail(r, EXIT_CANTCREAT, "%s: %s", o->path,
			    strerror(errno));
		if (o->resume)
			out->offset = (uint64_t)end;
		else
			out->base = (uint64_t)end;
	}
	if (o->max_size != RECV_NO_LIMIT && out->base + out->offset >
	    o->max_size)
		return recv_fail(r, EXIT_CANTCREAT, "%s: holds %ju bytes, "
		    "more than --max-size %ju", o->path,
		    (uintmax_t)(out->base + out->offset),
		    (uintmax_t)o->max_size);
	return 0;
}

/*
 * Wait until fd polls for events, or the deadline (0: none) passes: then
 * fail with 75, what naming the wait. Returns 0 when ready, or the exit
 * status with r->error set (a stop signal: 130, 143).
 */
static int
recv_wait_fd(struct receiver *r, int fd, short events, int64_t deadline_ns,
    const char *what)
{
	struct pollfd	pfd;
	int64_t		left;
	int		ms;

	for (;;) {
		ms = -1;
		if (deadline_ns != 0) {
			left = deadline_ns - loop_now_ns();
			if (left <= 0)
				return recv_fail(r, EXIT_TEMPFAIL, "%s: timed "
				    "out after %g s", what,
				    r->o->connect_timeout_ms / 1000.0);
			ms = (int)((left + 999999) / 1000000);
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		switch (loop_wait(&pfd, 1, ms)) {
		case 0:
			continue;
		case -1:
			if (loop_signalled())
				return recv_fail(r, loop_signal_status(),
				    "interrupted by %s: %s",
				    loop_signal_name(), what);
			return recv_fail(r, EXIT_OSERR, "poll: %s",
			    strerror(errno));
		default:
			return 0;
		}
	}
}

/*
 * -l: listen on [address] port (or the socket path) and say where.
 * Returns 0 with *lsock set, or the exit status.
 */
static int
recv_listen(struct receiver *r, int *lsock_out)
{
	const struct recv_options *o = r->o;
	struct addrinfo	*res;
	char		 name[1100], host[NI_MAXHOST], port[NI_MAXSERV];
	const char	*addr = o->listen_addr;
	int		 lsock, gerr, err;

	if (o->unix_socket) {
		if ((lsock = net_listen_unix(o->port)) == -1)
			return recv_fail(r, xfer_errno_status(errno),
			    "listen %s: %s", o->port, strerror(errno));
		snprintf(name, sizeof(name), "%s", o->port);
	} else {
		if ((gerr = net_resolve(addr, o->port, o->family, &res)) != 0)
			return recv_fail(r, EXIT_NOHOST, "resolve %s: %s",
			    addr != NULL ? addr : "*", net_gai_error(gerr));
		lsock = net_listen(res, o->family == AF_INET6);
		err = errno;
		freeaddrinfo(res);
		if (lsock == -1)
			return recv_fail(r, xfer_errno_status(err),
			    "listen %s port %s: %s", addr != NULL ? addr : "*",
			    o->port, strerror(err));
		net_sock_name(lsock, name, sizeof(name));
	}
	if (!o->quiet)
		msg_warnx("listening on %s", name);
	if (o->json && !o->unix_socket && sscanf(name, "%1024s port %31s",
	    host, port) == 2)
		report_json_listening(r->out.fd == STDOUT_FILENO ? stderr :
		    stdout, host, port);
	else if (o->json)
		report_json_listening(r->out.fd == STDOUT_FILENO ? stderr :
		    stdout, name, NULL);
	*lsock_out = lsock;
	return 0;
}

/*
 * Take the next sender on lsock: the first to come writes the file (with
 * -k, the next stream of it). Returns 0 with r->sock set, or the status.
 */
static int
recv_accept(struct receiver *r, int lsock)
{
	int	status;

	for (;;) {
		if ((status = recv_wait_fd(r, lsock, POLLIN, 0,
		    "waiting for a sender")) != 0)
			return status;
		if ((r->sock = net_accept(lsock, r->host, sizeof(r->host),
		    r->port, sizeof(r->port))) != -1)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			return recv_fail(r, EXIT_OSERR, "accept: %s",
			    strerror(errno));
	}
	if (r->o->unix_socket)
		snprintf(r->peer, sizeof(r->peer), "%s", r->o->port);
	else
		snprintf(r->peer, sizeof(r->peer), "%s port %s", r->host,
		    r->port);
	if (r->o->verbose)
		msg_warnx("connection from %s", r->peer);
	return 0;
}

/*
 * Connect to a zcsend -l (host port, or -U path), trying each address
 * until the connect timeout. Returns 0 with r->sock set, or the exit
 * status.
 */
static int
recv_connect(struct receiver *r)
{
	const struct recv_options *o = r->o;
	const struct addrinfo	*ai;
	struct addrinfo		*res;
	char			 why[256], msg[512], addr[NI_MAXHOST];
	int64_t			 deadline;
	int			 gerr, waiting, err = ECONNREFUSED, status;

	if (o->unix_socket) {
		snprintf(r->peer, sizeof(r->peer), "%s", o->port);
		snprintf(r->host, sizeof(r->host), "%s", o->port);
		if (net_unix_ai(o->port, &res) == -1)
			return recv_fail(r, xfer_errno_status(errno), "%s: %s",
			    o->port, strerror(errno));
	} else {
		snprintf(r->peer, sizeof(r->peer), "%s port %s", o->host,
		    o->port);
		snprintf(r->host, sizeof(r->host), "%s", o->host);
		snprintf(r->port, sizeof(r->port), "%s", o->port);
		if ((gerr = net_resolve(o->host, o->port, o->family,
		    &res)) != 0)
			return recv_fail(r, EXIT_NOHOST, "resolve %s: %s",
			    o->host, net_gai_error(gerr));
	}
	deadline = loop_now_ns() + (int64_t)o->connect_timeout_ms * 1000000;
	for (ai = res; ai != NULL;) {
		if ((r->sock = net_start(ai, NULL, &waiting, why,
		    sizeof(why))) == -1) {
			err = errno;
			/*
			 * A Unix listener whose backlog is full refuses
			 * with EAGAIN: the same address again, every 20 ms.
			 */
			if (err == EAGAIN && loop_now_ns() >= deadline)
				err = ETIMEDOUT;
			else if (err == EAGAIN && loop_wait(NULL, 0, 20) != -1)
				continue;
			ai = ai->ai_next;
			continue;
		}
		if (waiting && (status = recv_wait_fd(r, r->sock, POLLOUT,
		    deadline, "connect")) != 0) {
			close(r->sock);
			r->sock = -1;
			net_free_ai(res);
			if (status != EXIT_TEMPFAIL)
				return status;
			status = xfer_connect_error(ETIMEDOUT, r->peer,
			    o->connect_timeout_ms, msg, sizeof(msg));
			return recv_fail(r, status, "%s", msg);
		}
		if (!waiting || net_finish(r->sock) != -1)
			break;
		err = errno;
		close(r->sock);
		r->sock = -1;
		ai = ai->ai_next;
	}
	if (r->sock == -1 && loop_signalled()) {
		net_free_ai(res);
		return recv_fail(r, loop_signal_status(), "interrupted by %s: "
		    "connecting to %s", loop_signal_name(), r->peer);
	}
	if (r->sock != -1 && o->verbose && !o->unix_socket) {
		net_addr_name(ai, addr, sizeof(addr));
		msg_warnx("connected to %s port %s", addr, o->port);
	}
	net_free_ai(res);
	if (r->sock != -1)
		return 0;
	status = xfer_connect_error(err, r->peer, o->connect_timeout_ms, msg,
	    sizeof(msg));
	return recv_fail(r, status, "%s", msg);
}

/*
 * --tls: the handshake (a server's with -l), bounded by the connect
 * timeout; then whether the kernel decrypts (kTLS receive), and why not.
 * Returns 0, or 75 (timed out), 76 (failed) or a signal's status.
 */
static int
recv_handshake(struct receiver *r)
{
	struct tls_report	rep;
	char			why[1200];
	int64_t			deadline;
	int			status;

	if ((r->tls = tls_ops.conn_new(r->tls_ctx, r->sock, r->o->listen ?
	    NULL : r->o->tls.servername != NULL ? r->o->tls.servername :
	    r->o->tls.insecure ? NULL : r->host, why, sizeof(why))) == NULL)
		return recv_fail(r, EXIT_OSERR, "TLS with %s: %s", r->peer,
		    why);
	deadline = loop_now_ns() + (int64_t)r->o->connect_timeout_ms * 1000000;
	for (;;) {
		switch (tls_ops.handshake(r->tls, why, sizeof(why))) {
		case 1:
			break;
		case 0:
			snprintf(why, sizeof(why), "TLS handshake with %s",
			    r->peer);
			if ((status = recv_wait_fd(r, r->sock,
			    tls_ops.events(r->tls), deadline, why)) != 0)
				return status;
			continue;
		default:
			return recv_fail(r, EXIT_PROTOCOL, "TLS handshake with "
			    "%s: %s", r->peer, why);
		}
		break;
	}
	r->ktls_rx = tls_ops.ktls_recv(r->tls);
	tls_ops.report(r->tls, &rep);
	r->ktls_reason = rep.rx_reason;
	if (r->o->verbose)
		msg_warnx("%s: %s %s, kTLS receive %s%s%s", r->peer,
		    rep.version, rep.cipher, r->ktls_rx ? "on" : "off",
		    r->ktls_rx ? "" : ": ", r->ktls_rx ? "" : r->ktls_reason);
	return 0;
}

/*
 * One sender, connected: the TLS handshake, the resume line and the
 * stream. Returns the exit status.
 */
static int
recv_sender(struct receiver *r)
{
	char	line[64];
	int	status = 0;

	if (r->o->tls.enabled)
		status = recv_handshake(r);
	if (status == 0 && r->o->resume) {
		/* The one line before any data: where the sender goes on. */
		snprintf(line, sizeof(line), "resume %ju\n",
		    (uintmax_t)r->out.offset);
		status = recv_send_line(r, line);
	}
	if (status == 0)
		status = recv_run(r);
	return status;
}

/* Close the listener, if open, and remove a Unix socket's path. */
static void
recv_unlisten(const struct recv_options *o, int *lsock)
{
	if (*lsock == -1)
		return;
	close(*lsock);
	*lsock = -1;
	if (o->unix_socket)
		(void)unlink(o->port);
}

/* Say how one sender went (its error, -v, --json) and let it go. */
static void
recv_sender_end(struct receiver *r, int status)
{
	if (status != 0)
		msg_warnx("%s", r->error);
	recv_report(r);
	if (r->o->json)
		recv_json(r);
	if (r->tls != NULL)
		tls_ops.conn_free(r->tls);
	r->tls = NULL;
	if (r->sock != -1)
		close(r->sock);
	r->sock = -1;
}

/*
 * -k: ready for the next sender, whose stream goes after this one's: in a
 * regular file from where it ends now (a failed stream was cut off), and
 * --max-size counts from there only for a regular file.
 */
static void
recv_next_sender(struct receiver *r)
{
	struct recv_out	 out = r->out;
	struct tls_ctx	*ctx = r->tls_ctx;
	const struct recv_options *o = r->o;
	off_t		 end;

	if (out.regular && out.fd > STDOUT_FILENO &&
	    (end = lseek(out.fd, 0, SEEK_CUR)) != -1)
		out.base = (uint64_t)end;
	out.written = 0;
	out.synced = 0;
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->out = out;
	r->tls_ctx = ctx;
	r->sock = r->pipe_rd = r->pipe_wr = -1;
}

int
main(int argc, char **argv)
{
	struct recv_options	o;
	struct receiver		r;
	char			msg[512];
	int			status, tls_status, lsock = -1;

	/* Standard output is checked at exit: -h and -V to a full disk fail. */
	if (msg_init() == -1)
		msg_exit(NULL, EXIT_OSERR, "atexit: %s", strerror(errno));
	recv_options_parse(argc, argv, &o);
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.sock = r.pipe_rd = r.pipe_wr = -1;
	r.out.fd = -1;
	if (loop_init() == -1)
		msg_exit(NULL, EXIT_OSERR, "signals: %s", strerror(errno));
	status = recv_open_output(&r);
	/* --checksum's library, before any connection. */
	if (status == 0 && o.checksum && checksum_load(msg, sizeof(msg)) == -1)
		status = recv_fail(&r, EXIT_OSERR, "%s", msg);
	/* tls_ctx_new sets its status only for a failure. */
	if (status == 0 && o.tls.enabled && (r.tls_ctx = tls_ctx_new(&o.tls,
	    o.listen, &tls_status, msg, sizeof(msg))) == NULL)
		status = recv_fail(&r, tls_status, "%s", msg);
	if (status == 0 && o.tls.insecure)
		msg_warnx("warning: --tls-insecure: the sender's certificate "
		    "is not verified");
	if (status == 0)
		status = o.listen ? recv_listen(&r, &lsock) : recv_connect(&r);
	for (;;) {
		if (status == 0 && o.listen)
			status = recv_accept(&r, lsock);
		if (!o.keep_open)
			recv_unlisten(&o, &lsock);
		if (status == 0)
			status = recv_sender(&r);
		/*
		 * -k: a sender's failure is its own; only a stop signal (seen
		 * by the next wait if not by this sender), or a listener that
		 * accepts no more, ends the service.
		 */
		if (!o.keep_open || r.sock == -1 || (status != 0 &&
		    loop_signalled()))
			break;
		recv_sender_end(&r, status);
		recv_next_sender(&r);
		status = 0;
	}
	recv_unlisten(&o, &lsock);
	/* A file whose close fails (NFS, a quota) was not stored. */
	if (r.out.fd > STDOUT_FILENO && close(r.out.fd) == -1 && status == 0)
		status = recv_fail(&r, EXIT_IOERR, "close %s: %s", r.out.name,
		    strerror(errno));
	recv_sender_end(&r, status);
	tls_ctx_free(r.tls_ctx);
	return msg_end(status);
}
