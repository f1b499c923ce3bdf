/* SPDX-License-Identifier: ISC */
/*
 * Sockets: name lookup, the two halves of a non-blocking TCP connect (the
 * transfer engine drives them in its loop, address after address), Unix
 * socket connects, listening and accepting. Failures are returned, never
 * reported here.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

static int	net_nonblock(int);


/*
 * Start a non-blocking connect to ai. Returns the socket, with *waiting
 * set when the connect is still under way (wait for POLLOUT, then call
 * net_finish), or -1 with *err set.
 */
int
net_start(const struct addrinfo *ai, int *waiting, int *err)
{
	int	sock;

	*waiting = 0;
	if ((sock = socket(ai->ai_family, ai->ai_socktype,
	    ai->ai_protocol)) == -1) {
		*err = errno;
		return -1;
	}
	if (net_nonblock(sock) == -1)
		goto fail;
	if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0)
		return sock;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	*waiting = 1;
	return sock;

fail:
	*err = errno;
	close(sock);
	return -1;
}

/*
 * Once a started connect's socket polls writable: returns 0 when it is
 * connected, or -1 with *err set to why not. A socket that connected and
 * was reset before this looked counts as connected, with *err set to
 * ECONNRESET: that is the peer's doing, and the transfer reports it.
 */
int
net_finish(int sock, int *err)
{
	socklen_t	len = sizeof(int);
	int		soerr;

	*err = 0;
	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1) {
		*err = errno;
		return -1;
	}
	if (soerr == ECONNRESET)
		*err = ECONNRESET;
	else if (soerr != 0) {
		*err = soerr;
		return -1;
	}
	return 0;
}

void
net_addr_name(const struct addrinfo *ai, char *buf, size_t size)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)size,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}

/*
 * Turn a failed connect's errno into an exit status and a message naming
 * what ("connect HOST port PORT", or the socket path when port is NULL).
 */
void
net_failure(const char *host, const char *port, int timeout_ms, int err,
    int *status, char *msg, size_t msglen)
{
	char	what[1100];

	if (port != NULL)
		snprintf(what, sizeof(what), "%s port %s", host, port);
	else
		snprintf(what, sizeof(what), "%s", host);
	switch (err) {
	case EINTR:
		*status = loop_signal_status();
		snprintf(msg, msglen, "interrupted by %s: connecting to %s",
		    loop_signal_name(), what);
		return;
	case ETIMEDOUT:
		*status = EXIT_TEMPFAIL;
		snprintf(msg, msglen, "connect %s: timed out after %g s", what,
		    timeout_ms / 1000.0);
		return;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		*status = EXIT_OSERR;
		break;
	default:
		*status = EXIT_UNAVAILABLE;
		break;
	}
	snprintf(msg, msglen, "connect %s: %s", what, strerror(err));
}

/*
 * Resolve host and port into *res for a TCP connect, or with host NULL,
 * for a listener on every address. Returns 0, or an exit status with msg
 * set ("resolve HOST: why").
 */
int
net_resolve(const char *host, const char *port, int family,
    struct addrinfo **res, char *msg, size_t msglen)
{
	struct addrinfo	hints;
	int		gerr;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = host == NULL ? AI_PASSIVE : 0;
	if ((gerr = getaddrinfo(host, port, &hints, res)) == 0)
		return 0;
	snprintf(msg, msglen, "resolve %s: %s", host != NULL ? host : "*",
	    gerr == EAI_SYSTEM ? strerror(errno) : gai_strerror(gerr));
	return EXIT_NOHOST;
}

/* Make fd non-blocking and close-on-exec. Returns -1 with errno. */
static int
net_nonblock(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

/*
 * Returns a connected non-blocking Unix stream socket to path, or -1 with
 * *status and msg set by net_failure. A listener whose backlog is full
 * makes a connect wait, so the same deadline applies.
 */
int
net_connect_unix(const char *path, int timeout_ms, int *status, char *msg,
    size_t msglen)
{
	struct sockaddr_un	sun;
	int64_t			deadline_ns, left_ns;
	int			sock, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*status = EXIT_USAGE;
		snprintf(msg, msglen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((sock = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    net_nonblock(sock) == -1) {
		err = errno;
		if (sock != -1)
			close(sock);
		net_failure(path, NULL, timeout_ms, err, status, msg, msglen);
		return -1;
	}
	/*
	 * A full backlog fails a non-blocking Unix connect with EAGAIN (it
	 * does not queue): try again every few milliseconds until the
	 * deadline.
	 */
	deadline_ns = loop_now_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		if (connect(sock, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return sock;
		err = errno;
		if (err == EAGAIN) {
			left_ns = deadline_ns - loop_now_ns();
			if (left_ns <= 0)
				err = ETIMEDOUT;
			else if (loop_wait(NULL, 0, left_ns < 20000000 ?
			    (int)(left_ns / 1000000) + 1 : 20) == -1)
				err = errno;
			else
				continue;
		}
		close(sock);
		net_failure(path, NULL, timeout_ms, err, status, msg, msglen);
		return -1;
	}
}

/*
 * Returns a non-blocking socket listening on addr (NULL: every address)
 * and port ("0": one the kernel picks), or with unix_path on the Unix
 * socket path addr. The address actually bound is written to where as
 * "ADDRESS port PORT" (or the path). On failure -1, *status and msg.
 */
int
net_listen(const char *addr, const char *port, int family, int unix_path,
    char *where, size_t wherelen, int *status, char *msg, size_t msglen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	struct addrinfo		*res, *ai;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	int			 sock = -1, err = 0, on = 1;

	*status = EXIT_UNAVAILABLE;
	if (unix_path) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr) >= sizeof(sun.sun_path)) {
			*status = EXIT_USAGE;
			snprintf(msg, msglen, "%s: %s", addr,
			    strerror(ENAMETOOLONG));
			return -1;
		}
		memcpy(sun.sun_path, addr, strlen(addr) + 1);
		if ((sock = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    bind(sock, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(sock, 128) == -1 || net_nonblock(sock) == -1) {
			err = errno;
			if (sock != -1)
				close(sock);
			snprintf(msg, msglen, "listen %s: %s", addr,
			    strerror(err));
			return -1;
		}
		snprintf(where, wherelen, "%s", addr);
		return sock;
	}

	if ((*status = net_resolve(addr, port, family, &res, msg,
	    msglen)) != 0)
		return -1;
	*status = EXIT_UNAVAILABLE;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((sock = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1) {
			err = errno;
			continue;
		}
		(void)setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
		if (bind(sock, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(sock, 128) == 0 && net_nonblock(sock) == 0)
			break;
		err = errno;
		close(sock);
		sock = -1;
	}
	freeaddrinfo(res);
	if (sock == -1) {
		snprintf(msg, msglen, "listen %s port %s: %s",
		    addr != NULL ? addr : "*", port, strerror(err));
		return -1;
	}
	if (getsockname(sock, (struct sockaddr *)&ss, &len) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(where, wherelen, "%s port %s",
		    addr != NULL ? addr : "*", port);
	else
		snprintf(where, wherelen, "%s port %s", host, serv);
	return sock;
}

/*
 * Accept one client, non-blocking, naming it by host and port (a Unix
 * socket client: "client FD" and an empty port). Returns the socket, or -1
 * with errno (EAGAIN: nobody was waiting).
 */
int
net_accept(int lsock, char *host, size_t hostlen, char *port, size_t portlen)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	int			sock, saved;

	memset(&ss, 0, sizeof(ss));
	if ((sock = accept(lsock, (struct sockaddr *)&ss, &len)) == -1)
		return -1;
	if (net_nonblock(sock) == -1) {
		saved = errno;
		close(sock);
		errno = saved;
		return -1;
	}
	*port = '\0';
	if (ss.ss_family == AF_UNIX || getnameinfo((struct sockaddr *)&ss, len,
	    host, (socklen_t)hostlen, port, (socklen_t)portlen,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(host, hostlen, "client %d", sock);
	return sock;
}
