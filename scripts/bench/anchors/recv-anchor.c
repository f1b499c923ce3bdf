/* SPDX-License-Identifier: ISC */
/*
 * The bare receive loops scripts/bench/bench-recv measures zcrecv against:
 *   recv-anchor splice PORT FILE     accept one sender on 127.0.0.1:PORT
 *       and move its bytes socket -> pipe -> FILE with blocking splice(2)
 *       calls, as little as a zero-copy receiver can do
 *   recv-anchor readwrite PORT FILE  the same with read(2) and write(2)
 *       through a 128 KiB buffer, as nc does
 * FILE is created and truncated; nothing is printed but errors.
 */

#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1024 * 1024)

int
main(int argc, char **argv)
{
	struct sockaddr_in	sin;
	static char		buf[128 * 1024];
	ssize_t			n, m;
	int			ls, s, fd, p[2], on = 1;

	if (argc != 4)
		errx(64, "usage: recv-anchor splice|readwrite port file");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 1) == -1)
		err(69, "listen %s", argv[2]);
	if ((s = accept(ls, NULL, NULL)) == -1)
		err(69, "accept");
	if ((fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1)
		err(73, "%s", argv[3]);
	if (strcmp(argv[1], "splice") == 0) {
		if (pipe(p) == -1)
			err(71, "pipe");
		(void)fcntl(p[1], F_SETPIPE_SZ, CHUNK);
		while ((n = splice(s, NULL, p[1], NULL, CHUNK,
		    SPLICE_F_MOVE)) > 0)
			for (; n > 0; n -= m)
				if ((m = splice(p[0], NULL, fd, NULL,
				    (size_t)n, SPLICE_F_MOVE)) <= 0)
					err(74, "splice to %s", argv[3]);
	} else {
		while ((n = read(s, buf, sizeof(buf))) > 0)
			for (m = 0; m < n; ) {
				ssize_t w = write(fd, buf + m, (size_t)(n - m));
				if (w <= 0)
					err(74, "write %s", argv[3]);
				m += w;
			}
	}
	if (n < 0)
		err(74, "receive");
	return 0;
}
