/* SPDX-License-Identifier: ISC */
/*
 * Parsers for command-line values: sizes, seconds, escaped byte strings and
 * ports. Each returns 0 on success, or -1 with *errstr set to a short reason
 * that the caller prints after the value ("offset 1Q: invalid size").
 */

#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "zcsend.h"

static unsigned	octal_value(const char *);

/*
 * A size: decimal digits, then an optional K, M, G or T (powers of 1024,
 * either case), optionally followed by "B" or "iB". Signs, blanks, hex and
 * fractions are refused, so "-1" is never read as a huge number.
 */
int
parse_size(const char *s, uint64_t *size, const char **errstr)
{
	static const char units[] = "KMGT";
	const char	*p = s, *unit;
	uint64_t	 value = 0, scale = 1;
	unsigned	 digit;

	if (!isdigit((unsigned char)*p)) {
		*errstr = "invalid size";
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		digit = (unsigned)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10) {
			*errstr = "too large";
			return -1;
		}
		value = value * 10 + digit;
	}
	if (*p != '\0' && (unit = strchr(units, toupper((unsigned char)*p))) !=
	    NULL) {
		scale = (uint64_t)1 << (10 * (unit - units + 1));
		p++;
		if (*p == 'i')
			p++;
		if (*p == 'B')
			p++;
	} else if (*p == 'B')
		p++;
	if (*p != '\0') {
		*errstr = "invalid size";
		return -1;
	}
	/* Sizes end up in off_t: keep them below 2^63. */
	if (value > (uint64_t)INT64_MAX / scale) {
		*errstr = "too large";
		return -1;
	}
	*size = value * scale;
	return 0;
}

/*
 * Seconds with an optional fraction ("30", "0.25"), stored as milliseconds.
 * Up to a day; anything longer is a typo rather than a timeout.
 */
int
parse_seconds(const char *s, int *ms, const char **errstr)
{
	char	*end;
	double	 value;

	/* Digits and one point only: strtod would also take hex and 1e3. */
	if (*s == '\0' || strspn(s, "0123456789.") != strlen(s)) {
		*errstr = "invalid number of seconds";
		return -1;
	}
	errno = 0;
	value = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(value)) {
		*errstr = "invalid number of seconds";
		return -1;
	}
	if (value > 86400.0) {
		*errstr = "too large";
		return -1;
	}
	*ms = (int)(value * 1000.0 + 0.999);	/* round up: 0.0001 s is not 0 */
	if (*ms == 0 && value > 0)
		*ms = 1;	/* below a microsecond: still not "none" */
	return 0;
}

/*
 * The value of the one to three octal digits at s (0 if s does not start
 * with one), as an escape \ooo reads them.
 */
static unsigned
octal_value(const char *s)
{
	unsigned	value = 0;
	int		i;

	for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '7'; i++)
		value = value * 8 + (unsigned)(s[i] - '0');
	return value;
}

/*
 * Decode C-style escapes into out->data, which the caller frees: \\ \a \b
 * \f \n \r \t \v \' \" \? \ooo (octal) and \xHH; NUL bytes are allowed.
 * strnunvis(3) does the decoding but lets unknown escapes through as the
 * bare character, so they are refused here first: a typo in a header must
 * not go out on the wire.
 */
int
parse_escapes(const char *s, struct bytes *out, const char **errstr)
{
	size_t		 len = strlen(s);
	const char	*p;
	char		*buf;
	int		 n;

	for (p = s; (p = strchr(p, '\\')) != NULL; p += 2) {
		if (p[1] == 'x' && isxdigit((unsigned char)p[2]))
			continue;
		if (p[1] == '\0' || strchr("\\abfnrtv'\"?01234567", p[1]) ==
		    NULL) {
			*errstr = "invalid escape sequence";
			return -1;
		}
		/*
		 * strnunvis keeps only the low byte of \400 to \777: such an
		 * escape names no byte, so it is refused, not cut down.
		 */
		if (octal_value(p + 1) > 0377) {
			*errstr = "invalid escape sequence";
			return -1;
		}
	}

	if ((buf = malloc(len + 1)) == NULL) {
		*errstr = strerror(errno);
		return -1;
	}
	if ((n = strnunvis(buf, len + 1, s)) < 0) {
		free(buf);
		*errstr = "invalid escape sequence";
		return -1;
	}
	out->data = (unsigned char *)buf;
	out->len = (size_t)n;
	return 0;
}

/*
 * A port: 1-65535, or a TCP service name from services(5). Returns the
 * port number in host order.
 */
int
parse_port(const char *s, const char **errstr)
{
	struct servent	*se;
	long long	 port;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		port = strtonum(s, 1, 65535, errstr);
		return *errstr != NULL ? -1 : (int)port;
	}
	if (*s == '\0' || (se = getservbyname(s, "tcp")) == NULL) {
		*errstr = "unknown service";
		return -1;
	}
	return ntohs((uint16_t)se->s_port);
}

/* A --progress mode: auto, tty, plain or none. Returns 0, or -1. */
int
parse_progress(const char *s, enum progress_mode *mode)
{
	static const char *const names[] = { "auto", "tty", "plain", "none" };
	static const enum progress_mode modes[] = { PROGRESS_AUTO,
	    PROGRESS_TTY, PROGRESS_PLAIN, PROGRESS_NONE };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = modes[i];
			return 0;
		}
	return -1;
}

/* A rate in bytes a second: a size, optionally followed by "/s". */
int
parse_rate(const char *s, uint64_t *rate, const char **errstr)
{
	char	buf[64];
	size_t	len = strlen(s);

	if (len >= 2 && strcmp(s + len - 2, "/s") == 0)
		len -= 2;
	if (len == 0 || len >= sizeof(buf)) {
		*errstr = "invalid rate";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_size(buf, rate, errstr) == -1)
		return -1;
	if (*rate == 0) {
		*errstr = "invalid rate";
		return -1;
	}
	return 0;
}

/*
 * A comma-separated list of at most max sizes, each 1 byte to limit, into
 * sizes; *n gets the count. Returns 0, or -1 with *errstr set.
 */
int
parse_sizes(const char *s, uint64_t *sizes, int max, uint64_t limit, int *n,
    const char **errstr)
{
	char		 buf[256], *item, *rest;
	uint64_t	 size;

	if (strlen(s) >= sizeof(buf)) {
		*errstr = "too long";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (rest = buf; (item = strsep(&rest, ",")) != NULL;) {
		if (*n == max) {
			*errstr = "too many sizes";
			return -1;
		}
		if (parse_size(item, &size, errstr) == -1)
			return -1;
		if (size == 0 || size > limit) {
			*errstr = "out of range";
			return -1;
		}
		sizes[(*n)++] = size;
	}
	return 0;
}

/* parse_sizes of buffer sizes, each 1 byte to 1 GiB. */
int
parse_size_list(const char *s, size_t *sizes, int max, int *n,
    const char **errstr)
{
	uint64_t	v[128];		/* more than 256 characters hold */
	int		i;

	if (parse_sizes(s, v, max < 128 ? max : 128, 1073741824, n,
	    errstr) == -1)
		return -1;
	for (i = 0; i < *n; i++)
		sizes[i] = (size_t)v[i];
	return 0;
}

/*
 * HOST:PORT, with an IPv6 address in brackets ("[::1]:9000"), split into
 * host and port (copied, NUL-terminated). The port is checked as by
 * parse_port; the host must be non-empty, and s holds no blanks.
 */
int
parse_hostport(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen, const char **errstr)
{
	const char	*colon, *hend, *hstart = s;

	/* Two entries on one line are not one IPv6 address. */
	if (strpbrk(s, " \t\n") != NULL) {
		*errstr = "expected one HOST:PORT, without blanks";
		return -1;
	}
	if (*s == '[') {
		hstart = s + 1;
		if ((hend = strchr(hstart, ']')) == NULL || hend[1] != ':') {
			*errstr = "expected [ADDRESS]:PORT";
			return -1;
		}
		colon = hend + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			*errstr = "expected HOST:PORT";
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*errstr = "an IPv6 address needs brackets: [ADDRESS]:PORT";
			return -1;
		}
		hend = colon;
	}
	if (hend == hstart || (size_t)(hend - hstart) >= hostlen) {
		*errstr = "invalid host";
		return -1;
	}
	if (strlen(colon + 1) >= portlen ||
	    parse_port(colon + 1, errstr) == -1) {
		if (strlen(colon + 1) >= portlen)
			*errstr = "too large";
		return -1;
	}
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return 0;
}
