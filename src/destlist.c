/* SPDX-License-Identifier: ISC */
/*
 * --to-file: destinations read from a file, one HOST:PORT or [ADDRESS]:PORT
 * a line. A '#' starts a comment that runs to the end of its line; blank
 * lines and blanks around an entry are ignored.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

/*
 * The longest entry, blanks and comment aside: a host name is at most
 * 1025 bytes. Longer is a binary file given by mistake, or no host.
 */
#define DESTLIST_MAX_ENTRY	2048

/*
 * Read path and call add(arg, host, port) for every entry, in order. add
 * returns 0, or -1 with *errstr set to refuse an entry. Returns 0, or an
 * exit status with msg set: EXIT_NOINPUT when the file cannot be read
 * ("to-file PATH: why"), EXIT_USAGE naming the file and line of a bad
 * entry, a stop signal's status when one came while a FIFO was waited for.
 */
int
destlist_load(const char *path, int (*add)(void *, const char *,
    const char *, const char **), void *arg, char *msg, size_t msglen)
{
	FILE		*fp;
	char		*line = NULL, *p, *end, host[1025], port[32];
	const char	*errstr = NULL;
	size_t		 cap = 0, lineno = 0;
	ssize_t		 n;
	int		 status = 0;

	/* A FIFO blocks here until a writer comes: a stop signal ends that. */
	while ((fp = fopen(path, "r")) == NULL && errno == EINTR) {
		if (loop_signalled()) {
			snprintf(msg, msglen, "interrupted by %s: opening "
			    "to-file %s", loop_signal_name(), path);
			return loop_signal_status();
		}
	}
	if (fp == NULL) {
		snprintf(msg, msglen, "to-file %s: %s", path, strerror(errno));
		return xfer_open_status(errno);
	}
	for (;;) {
		errno = 0;
		if ((n = getline(&line, &cap, fp)) == -1) {
			/* A stop signal while a FIFO's writer is slow. */
			if (ferror(fp) && errno == EINTR && loop_signalled()) {
				snprintf(msg, msglen, "interrupted by %s: "
				    "reading to-file %s", loop_signal_name(),
				    path);
				status = loop_signal_status();
			}
			break;
		}
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(msg, msglen, "%s line %zu: not a text line",
			    path, lineno);
			status = EXIT_USAGE;
			break;
		}
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		end = p + strlen(p);
		while (end > p && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*p == '\0')
			continue;
		if (end - p > DESTLIST_MAX_ENTRY) {
			snprintf(msg, msglen, "%s line %zu: line too long: an "
			    "entry of more than %d bytes", path, lineno,
			    DESTLIST_MAX_ENTRY);
			status = EXIT_USAGE;
			break;
		}
		if (parse_hostport(p, host, sizeof(host), port, sizeof(port),
		    &errstr) == -1 || add(arg, host, port, &errstr) == -1) {
			snprintf(msg, msglen, "%s line %zu: %.200s: %s", path,
			    lineno, p, errstr);
			status = EXIT_USAGE;
			break;
		}
	}
	if (status == 0 && ferror(fp)) {
		snprintf(msg, msglen, "to-file %s: %s", path,
		    strerror(errno != 0 ? errno : EIO));
		status = EXIT_NOINPUT;
	}
	free(line);
	fclose(fp);
	return status;
}
