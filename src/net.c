/* SPDX-License-Identifier: ISC */
/*
 * Sockets: name lookup (and a Unix socket's address in the same form),
 * the two halves of a non-blocking connect (the transfer engine drives
 * them in its loop, address after address), listening and accepting; no
 * waiting, which is the loop's. Every function returns -1 (or
 * a getaddrinfo error) and leaves the reporting, and the choice of exit
 * status, to its caller.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "xfer-int.h"

static int	net_nonblock(int);
static int	net_unix_addr(const char *, struct sockaddr_un *);

/*
 * Start a non-blocking connect to ai, with the user's socket options so
 * (NULL: none) set and its source address bound first. Returns the socket,
 * with *waiting set when the connect is still under way (wait for POLLOUT,
 * then call net_finish), or -1 with errno. why is emptied, or set to a
 * message when it was the options that failed (a bind, not the connect).
 */
int
net_start(const struct addrinfo *ai, const struct sockopts *so, int *waiting,
    char *why, size_t whylen)
{
	int	sock, saved;

	*waiting = 0;
	*why = '\0';
	if ((sock = socket(ai->ai_family, ai->ai_socktype,
	    ai->ai_protocol)) == -1)
		return -1;
	if (net_nonblock(sock) == -1 ||
	    sockopt_apply(sock, ai->ai_family, ai, so, why, whylen) == -1)
		goto fail;
	if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0)
		return sock;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	*waiting = 1;
	return sock;

fail:
	saved = errno;
	close(sock);
	errno = saved;
	return -1;
}

/*
 * Once a started connect's socket polls writable: returns 0 when it is
 * connected, or -1 with errno set to why not. A socket that connected and
 * was reset before this looked counts as connected, and 1 is returned:
 * that is the peer's doing, and the transfer reports it as ECONNRESET.
 */
int
net_finish(int sock)
{
	socklen_t	len = sizeof(int);
	int		soerr;

	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr == ECONNRESET)
		return 1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* The numeric address of ai, for messages. */
void
net_addr_name(const struct addrinfo *ai, char *buf, size_t size)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)size,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}

/*
 * Resolve host and port into *res for a TCP connect, or with host NULL,
 * for a listener on every address. Returns 0, or getaddrinfo's error (see
 * net_gai_error).
 */
int
net_resolve(const char *host, const char *port, int family,
    struct addrinfo **res)
{
	struct addrinfo	hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = host == NULL ? AI_PASSIVE : 0;
	return getaddrinfo(host, port, &hints, res);
}

/* The text for a getaddrinfo error; EAI_SYSTEM's is in errno. */
const char *
net_gai_error(int gerr)
{
	return gerr == EAI_SYSTEM ? strerror(errno) : gai_strerror(gerr);
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
 * Make sock blocking, each send giving up after timeout_ms without
 * progress (SO_SNDTIMEO), or non-blocking again (on 0). Returns -1 with
 * errno.
 */
int
net_blocking(int sock, int on, int timeout_ms)
{
	struct timeval	tv;
	int		flags;

	if ((flags = fcntl(sock, F_GETFL)) == -1)
		return -1;
	if (!on)
		return fcntl(sock, F_SETFL, flags | O_NONBLOCK);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	return fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
}

/* Fill sun for path. Returns -1 with errno ENAMETOOLONG if it is too long. */
static int
net_unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * The address of the Unix socket path as a one-entry list in *res, for
 * net_start and the transfer's connect phase, as net_resolve gives TCP's.
 * Free it with net_free_ai. Returns 0, or -1 with errno (ENAMETOOLONG,
 * ENOMEM).
 */
int
net_unix_ai(const char *path, struct addrinfo **res)
{
	struct addrinfo		*ai;
	struct sockaddr_un	 sun;

	if (net_unix_addr(path, &sun) == -1)
		return -1;
	if ((ai = calloc(1, sizeof(*ai) + sizeof(sun))) == NULL)
		return -1;
	ai->ai_family = AF_UNIX;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_addrlen = sizeof(sun);
	ai->ai_addr = (struct sockaddr *)(void *)(ai + 1);
	memcpy(ai->ai_addr, &sun, sizeof(sun));
	*res = ai;
	return 0;
}

/* Free a list from net_resolve or net_unix_ai. */
void
net_free_ai(struct addrinfo *ai)
{
	if (ai == NULL)
		return;
	if (ai->ai_family == AF_UNIX)
		free(ai);
	else
		freeaddrinfo(ai);
}

/*
 * Returns a non-blocking socket listening on the Unix socket path, or -1
 * with errno.
 */
int
net_listen_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			sock, err;

	if (net_unix_addr(path, &sun) == -1 ||
	    (sock = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(sock, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(sock, 128) == -1 || net_nonblock(sock) == -1) {
		err = errno;
		close(sock);
		errno = err;
		return -1;
	}
	return sock;
}

/*
 * Returns a non-blocking socket listening on the first address of res
 * that takes it (see net_resolve with host NULL for every address), or -1
 * with the errno of the last one tried. With v6only an IPv6 socket takes
 * IPv6 clients only.
 */
int
net_listen(const struct addrinfo *res, int v6only)
{
	const struct addrinfo	*ai;
	int			 sock, err = EADDRNOTAVAIL, on = 1;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((sock = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1) {
			err = errno;
			continue;
		}
		(void)setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
		/* -6: no IPv4 client through an IPv4-mapped address. */
		if (v6only && ai->ai_family == AF_INET6 &&
		    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1) {
			err = errno;
			close(sock);
			continue;
		}
		if (bind(sock, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(sock, 128) == 0 && net_nonblock(sock) == 0)
			return sock;
		err = errno;
		close(sock);
	}
	errno = err;
	return -1;
}

/*
 * The address sock is bound to, as "ADDRESS port PORT", or an empty string
 * if it cannot be told.
 */
void
net_sock_name(int sock, char *buf, size_t size)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	char			host[NI_MAXHOST], serv[NI_MAXSERV];

	*buf = '\0';
	if (getsockname(sock, (struct sockaddr *)&ss, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(buf, size, "%s port %s", host, serv);
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
