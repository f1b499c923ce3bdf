/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for parse_hostport and parse_port (src/parse.c).
 *
 * On success the host and the port must each end with a NUL inside their
 * buffers, the host must be a part of the input and the port the input's
 * tail, and the port must pass parse_port on its own. The buffers are
 * heap blocks of exactly the size passed, so a write past them is an ASan
 * report: a second call gets buffers just large enough and must succeed,
 * a third gets one byte less for the host and must fail.
 */

#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

#define HOST_MAX	1025	/* NI_MAXHOST */
#define PORT_MAX	32	/* NI_MAXSERV */
#define FILL		0xa5

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Calls parse_hostport on s with fresh heap buffers of hostlen and portlen
 * bytes. On success checks the results and returns them in *host and
 * *port (the caller frees); on failure returns -1 with both NULL.
 */
static int
split(const char *s, size_t hostlen, size_t portlen, char **host,
    char **port)
{
	const char	*errstr = NULL;
	size_t		 tail;

	*host = malloc(hostlen);
	*port = malloc(portlen);
	if (*host == NULL || *port == NULL)
		abort();
	memset(*host, FILL, hostlen);
	memset(*port, FILL, portlen);
	if (parse_hostport(s, *host, hostlen, *port, portlen, &errstr) != 0) {
		if (errstr == NULL || *errstr == '\0')
			abort();
		free(*host);
		free(*port);
		*host = *port = NULL;
		return -1;
	}
	if (memchr(*host, '\0', hostlen) == NULL ||
	    memchr(*port, '\0', portlen) == NULL)
		abort();
	if (**host == '\0' || strstr(s, *host) == NULL)
		abort();
	tail = strlen(*port);
	if (tail >= strlen(s) || strcmp(s + strlen(s) - tail, *port) != 0 ||
	    s[strlen(s) - tail - 1] != ':')
		abort();
	errstr = NULL;
	if (parse_port(*port, &errstr) == -1)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*errstr;
	char		*s, *host, *port, *host2, *port2;
	int		 p;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	errstr = NULL;
	p = parse_port(s, &errstr);
	if (p == -1 ? errstr == NULL || *errstr == '\0' : p < 1 || p > 65535)
		abort();

	if (split(s, HOST_MAX, PORT_MAX, &host, &port) == 0) {
		if (split(s, strlen(host) + 1, strlen(port) + 1, &host2,
		    &port2) != 0 || strcmp(host, host2) != 0 ||
		    strcmp(port, port2) != 0)
			abort();
		free(host2);
		free(port2);
		if (split(s, strlen(host), strlen(port) + 1, &host2,
		    &port2) == 0)
			abort();
		free(host);
		free(port);
	}

	free(s);
	return 0;
}
