/* SPDX-License-Identifier: ISC */
/*
 * Socket options the user asks for: a source address and port to bind
 * before connecting (-s, -p), the send buffer size (--sndbuf) and the IP
 * type of service or IPv6 traffic class (--tos, by number or DSCP name).
 * They are set on every socket zcsend sends on: connected, and accepted in
 * listen mode. Failures are returned with a message, never reported here.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/ip.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "xfer-int.h"

/* DSCP code points by name (RFC 2474, 2597, 3246, 5865, 8622). */
static const struct {
	const char	*name;
	int		 dscp;
} sockopt_dscp[] = {
	{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 },
	{ "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 }, { "cs7", 56 },
	{ "af11", 10 }, { "af12", 12 }, { "af13", 14 },
	{ "af21", 18 }, { "af22", 20 }, { "af23", 22 },
	{ "af31", 26 }, { "af32", 28 }, { "af33", 30 },
	{ "af41", 34 }, { "af42", 36 }, { "af43", 38 },
	{ "ef", 46 }, { "va", 44 }, { "le", 1 }
};

#define SOCKOPT_NDSCP	(sizeof(sockopt_dscp) / sizeof(sockopt_dscp[0]))

static int	sockopt_bind(int, const struct addrinfo *,
		    const struct sockopts *, char *, size_t);

/*
 * A --tos value: a DSCP name (case does not matter), or the whole TOS
 * byte as a number from 0 to 255, decimal or 0x hexadecimal, with the two
 * ECN bits clear. Sets *tos to
 * the TOS byte (a DSCP name's code point shifted past the two ECN bits).
 */
int
sockopt_parse_tos(const char *s, int *tos, const char **errstr)
{
	char		*end;
	unsigned long	 v;
	size_t		 i;

	for (i = 0; i < SOCKOPT_NDSCP; i++) {
		if (strcasecmp(s, sockopt_dscp[i].name) == 0) {
			*tos = sockopt_dscp[i].dscp << 2;
			return 0;
		}
	}
	if (!isdigit((unsigned char)*s)) {
		*errstr = "not a number or a DSCP name (af11..af43, cs0..cs7, "
		    "ef, va, le)";
		return -1;
	}
	errno = 0;
	v = strtoul(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ?
	    16 : 10);
	if (*end != '\0' || errno != 0) {
		*errstr = "invalid";
		return -1;
	}
	if (v > 255) {
		*errstr = "too large";
		return -1;
	}
	/* TCP owns the two ECN bits: the kernel would drop them silently. */
	if ((v & 3) != 0) {
		*errstr = "sets the ECN bits (the low two), which TCP sets "
		    "itself: give a multiple of 4 or a DSCP name";
		return -1;
	}
	*tos = (int)v;
	return 0;
}

/* The DSCP name of a TOS byte, or NULL if its code point has none. */
const char *
sockopt_tos_name(int tos)
{
	size_t	i;

	for (i = 0; i < SOCKOPT_NDSCP; i++)
		if (sockopt_dscp[i].dscp << 2 == tos)
			return sockopt_dscp[i].name;
	return NULL;
}

/*
 * Resolve -s and -p once, for every connect to come. Returns 0, or an exit
 * status with msg set.
 */
int
sockopt_resolve(struct sockopts *so, int family, char *msg, size_t msglen)
{
	struct addrinfo	hints;
	int		gerr;

	if (so->src_addr == NULL && so->src_port == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* -p takes a service name as a port does: no AI_NUMERICSERV. */
	hints.ai_flags = AI_PASSIVE;
	gerr = getaddrinfo(so->src_addr, so->src_port != NULL ? so->src_port :
	    "0", &hints, &so->src_ai);
	if (gerr == 0)
		return 0;
	snprintf(msg, msglen, "source address %s: %s",
	    so->src_addr != NULL ? so->src_addr : "*",
	    gerr == EAI_SYSTEM ? strerror(errno) : gai_strerror(gerr));
	return EXIT_NOHOST;
}

void
sockopt_free(struct sockopts *so)
{
	if (so->src_ai != NULL)
		freeaddrinfo(so->src_ai);
	so->src_ai = NULL;
}

/*
 * Bind sock, about to connect to dst, to the -s/-p address of dst's
 * family. Address reuse is allowed so one source port can serve several
 * destinations and a retry; a listener on it still makes bind fail.
 */
static int
sockopt_bind(int sock, const struct addrinfo *dst, const struct sockopts *so,
    char *msg, size_t msglen)
{
	const struct addrinfo	*ai;
	int			 on = 1;

	for (ai = so->src_ai; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == dst->ai_family)
			break;
	if (ai == NULL) {
		snprintf(msg, msglen, "bind %s port %s: no %s address",
		    so->src_addr != NULL ? so->src_addr : "*",
		    so->src_port != NULL ? so->src_port : "0",
		    dst->ai_family == AF_INET6 ? "IPv6" : "IPv4");
		errno = EAFNOSUPPORT;
		return -1;
	}
	(void)setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(sock, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	snprintf(msg, msglen, "bind %s port %s: %s",
	    so->src_addr != NULL ? so->src_addr : "*",
	    so->src_port != NULL ? so->src_port : "0", strerror(errno));
	return -1;
}

/*
 * Set the user's options on sock, of address family family (AF_UNSPEC:
 * look it up); with dst
 * (a socket about to connect to it), bind the source address first.
 * Returns 0, or -1 with errno and msg set ("bind ...: why").
 */
int
sockopt_apply(int sock, int family, const struct addrinfo *dst,
    const struct sockopts *so, char *msg, size_t msglen)
{
	int	saved;

	if (so == NULL)
		return 0;
	if (family == AF_UNSPEC)
		family = sockopt_family(sock);
	if (so->sndbuf > 0 && setsockopt(sock, SOL_SOCKET, SO_SNDBUF,
	    &so->sndbuf, sizeof(so->sndbuf)) == -1) {
		saved = errno;
		snprintf(msg, msglen, "sndbuf %d: %s", so->sndbuf,
		    strerror(errno));
		errno = saved;
		return -1;
	}
	if (so->tos >= 0 && (family == AF_INET || family == AF_INET6)) {
		if ((family == AF_INET6 ? setsockopt(sock, IPPROTO_IPV6,
		    IPV6_TCLASS, &so->tos, sizeof(so->tos)) :
		    setsockopt(sock, IPPROTO_IP, IP_TOS, &so->tos,
		    sizeof(so->tos))) == -1) {
			saved = errno;
			snprintf(msg, msglen, "tos 0x%02x: %s", so->tos,
			    strerror(errno));
			errno = saved;
			return -1;
		}
	}
	if (dst != NULL && so->src_ai != NULL)
		return sockopt_bind(sock, dst, so, msg, msglen);
	return 0;
}

/* The address family of sock, or AF_UNSPEC if it cannot be told. */
int
sockopt_family(int sock)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(sock, (struct sockaddr *)&ss, &len) == -1)
		return AF_UNSPEC;
	return ss.ss_family;
}

/*
 * For -v: what the kernel made of the options on sock (Linux doubles the
 * send buffer asked for), as one line naming peer.
 */
void
sockopt_report(int sock, int family, const struct sockopts *so,
    const char *peer, void (*note)(const char *))
{
	socklen_t	 len;
	const char	*name;
	char		 sndbuf[64] = "", tos[64] = "";
	int		 v;

	if (so == NULL || (so->sndbuf == 0 && so->tos < 0))
		return;
	len = sizeof(v);
	if (so->sndbuf > 0 &&
	    getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0)
		snprintf(sndbuf, sizeof(sndbuf), " sndbuf %d (asked %d)", v,
		    so->sndbuf);
	len = sizeof(v);
	if (so->tos >= 0 && (family == AF_INET6 ? getsockopt(sock,
	    IPPROTO_IPV6, IPV6_TCLASS, &v, &len) : family == AF_INET ?
	    getsockopt(sock, IPPROTO_IP, IP_TOS, &v, &len) : -1) == 0) {
		name = sockopt_tos_name(v & 0xfc);
		snprintf(tos, sizeof(tos), "%s %s 0x%02x%s%s%s",
		    *sndbuf != '\0' ? "," : "",
		    family == AF_INET6 ? "tclass" : "tos", v,
		    name != NULL ? " (" : "", name != NULL ? name : "",
		    name != NULL ? ")" : "");
	}
	note_emit(note, "%s:%s%s", peer, sndbuf, tos);
}
