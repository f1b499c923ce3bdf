/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench --recv: the receiving side. Each run starts zcrecv (the
 * one installed next to zcsend, else the first in PATH) listening on a
 * free loopback port with --mode splice or readwrite, writing into a file
 * in TMPDIR; the embedded sender pushes the file to it with sendfile, at
 * --rate if set; the figures are zcrecv's own: its CPU time (user + sys,
 * from wait4, process start included) per GiB, and the GiB/s from the
 * connect until zcrecv has synced the file and exited. The file zcrecv
 * stored is then compared, byte for byte, with the one sent: a run whose
 * bytes differ is a failure, not a figure.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "bench.h"

/* A running zcrecv: its pid and the read end of its standard error. */
struct recv_child {
	pid_t	pid;
	int	err;
	char	text[2048];	/* what it printed so far */
	size_t	len;
};

static __dead void recv_exec(const char *, const char *, const char *);
static int	recv_spawn(struct recv_child *, const struct options *,
		    const char *, const char *, char *, size_t);
static int	recv_read(struct recv_child *, int);
static int	recv_compare(const char *, const struct input *, char *,
		    size_t);
static const char *recv_line(const struct recv_child *, const char *);

/*
 * In the child: zcrecv -v -l --mode MODE ADDRESS 0 OUT, from the
 * directory zcsend runs from, else from PATH. 127 if neither runs.
 */
static __dead void
recv_exec(const char *mode, const char *out, const char *addr)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 8)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			snprintf(slash + 1, sizeof(self) - (size_t)(slash + 1 -
			    self), "zcrecv");
			execl(self, "zcrecv", "-v", "-l", "--mode", mode, addr,
			    "0", out, (char *)NULL);
		}
	}
	execlp("zcrecv", "zcrecv", "-v", "-l", "--mode", mode, addr, "0",
	    out, (char *)NULL);
	dprintf(STDERR_FILENO, "zcrecv: not found next to zcsend or in "
	    "PATH\n");
	_exit(127);
}

/*
 * Start zcrecv on a free port of the loopback address (::1 with -6) and
 * wait for the port it names. Returns 0 with c and port set, or -1 with
 * why set (and c->pid reaped).
 */
static int
recv_spawn(struct recv_child *c, const struct options *o, const char *mode,
    const char *out, char *port, size_t portlen)
{
	const char	*addr = o->family == AF_INET6 ? "::1" : "127.0.0.1";
	const char	*line;
	int		 p[2], status = 0;

	memset(c, 0, sizeof(*c));
	if (pipe(p) == -1)
		return -1;
	if ((c->pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(127);
		close(p[1]);
		recv_exec(mode, out, addr);
	}
	close(p[1]);
	c->err = p[0];
	while ((line = recv_line(c, "listening on ")) == NULL)
		if (recv_read(c, BENCH_RESULT_MS) <= 0)
			break;
	if (line != NULL && portlen >= 16 &&
	    sscanf(line, "%*s port %15[0-9]", port) == 1)
		return 0;
	kill(c->pid, SIGTERM);
	(void)waitpid(c->pid, &status, 0);
	while (recv_read(c, BENCH_RESULT_MS) > 0)
		;
	close(c->err);
	errno = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT :
	    EPROTO;
	return -1;
}

/*
 * Read what zcrecv printed, waiting up to ms for it. Returns the bytes
 * read, 0 at its end, or -1 on a timeout or error.
 */
static int
recv_read(struct recv_child *c, int ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	if (c->len + 1 >= sizeof(c->text))
		return 0;
	pfd.fd = c->err;
	pfd.events = POLLIN;
	if (loop_wait(&pfd, 1, ms) <= 0)
		return -1;
	if ((n = read(c->err, c->text + c->len, sizeof(c->text) - 1 -
	    c->len)) <= 0)
		return n == 0 ? 0 : -1;
	c->len += (size_t)n;
	c->text[c->len] = '\0';
	return (int)n;
}

/* The rest of the whole line of zcrecv's that holds what, or NULL. */
static const char *
recv_line(const struct recv_child *c, const char *what)
{
	const char	*s = c->len > 0 ? strstr(c->text, what) : NULL;

	if (s == NULL || strchr(s, '\n') == NULL)
		return NULL;
	return s + strlen(what);
}

/*
 * Compare the file at path with the bytes of in. Returns 0 when they are
 * the same, or -1 with why set.
 */
static int
recv_compare(const char *path, const struct input *in, char *why,
    size_t whylen)
{
	static char	a[BENCH_CHUNK], b[BENCH_CHUNK];
	struct stat	st;
	uint64_t	off;
	ssize_t		n, m;
	size_t		i;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size != in->len) {
		snprintf(why, whylen, "zcrecv stored %ju of %ju bytes",
		    (uintmax_t)st.st_size, (uintmax_t)in->len);
		close(fd);
		return -1;
	}
	for (off = 0; off < in->len; off += (uint64_t)n) {
		n = pread(in->fd, a, sizeof(a), (off_t)off);
		m = n > 0 ? pread(fd, b, (size_t)n, (off_t)off) : n;
		if (n <= 0 || m != n) {
			snprintf(why, whylen, "reading back %s: %s", path,
			    n < 0 || m < 0 ? strerror(errno) : "short read");
			close(fd);
			return -1;
		}
		if (memcmp(a, b, (size_t)n) != 0) {
			for (i = 0; a[i] == b[i]; i++)
				;
			snprintf(why, whylen, "zcrecv stored other bytes at "
			    "offset %ju", (uintmax_t)(off + i));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/*
 * One measured run of receive row m: zcrecv with m->recv_mode takes in
 * from the embedded sender. Returns as bench_run: 0 (figures recorded when
 * every byte was stored), -1 when the run failed, or a signal's status.
 */
int
bench_recv_run(const struct options *o, struct bench_mode *m,
    const struct input *in)
{
	struct recv_child	 c;
	struct bench_mode	 send = *m;
	struct rusage		 ru;
	struct dest		 d;
	const char		*via, *line;
	char			 out[4096], want[64];
	int64_t			 t0, t1;
	double			 gib = (double)in->len / BENCH_GIB, cpu;
	int			 fd, status, ws, n;

	snprintf(out, sizeof(out), "%s/zcsend-bench-recv.XXXXXX",
	    bench_tmpdir());
	if ((fd = mkstemp(out)) == -1) {
		snprintf(m->last_error, sizeof(m->last_error), "%.200s: %s",
		    out, strerror(errno));
		m->failures++;
		return -1;
	}
	close(fd);
	memset(&d, 0, sizeof(d));
	snprintf(d.host, sizeof(d.host), "%s", o->family == AF_INET6 ?
	    "::1" : "127.0.0.1");
	if (recv_spawn(&c, o, m->recv_mode, out, d.portnum,
	    sizeof(d.portnum)) == -1) {
		(void)unlink(out);
		if (errno == ENOENT) {
			snprintf(m->unavailable, sizeof(m->unavailable),
			    "zcrecv not found next to zcsend or in PATH");
			return 0;
		}
		snprintf(m->last_error, sizeof(m->last_error), "zcrecv did "
		    "not listen: %.200s", c.len > 0 ? c.text : "no output");
		m->last_error[strcspn(m->last_error, "\n")] = '\0';
		m->failures++;
		return -1;
	}
	snprintf(d.port, sizeof(d.port), "%s", d.portnum);
	snprintf(d.peer, sizeof(d.peer), "%s port %s", d.host, d.port);
	t0 = loop_now_ns();
	status = bench_run(o, &send, &d, in, NULL);
	if (status != EXIT_OK)
		kill(c.pid, SIGTERM);
	/* Its standard error ends as it exits; one that hangs is stopped. */
	while ((n = recv_read(&c, BENCH_RESULT_MS)) > 0)
		;
	if (n == -1)
		kill(c.pid, SIGTERM);
	while (wait4(c.pid, &ws, 0, &ru) == -1 && errno == EINTR)
		;
	t1 = loop_now_ns();
	close(c.err);
	/*
	 * zcrecv's own failure is the cause of the sender's (a reset),
	 * unless it is the SIGTERM that stopped it after the sender's.
	 */
	if ((status == EXIT_OK || status == -1) && !(WIFEXITED(ws) &&
	    (WEXITSTATUS(ws) == 0 || (status == -1 &&
	    WEXITSTATUS(ws) == EXIT_SIGTERM)))) {
		/* Its message follows the connection's line. */
		if ((line = recv_line(&c, "connection from ")) == NULL ||
		    (line = strchr(line, '\n')) == NULL || *++line == '\0')
			line = c.text;
		snprintf(send.last_error, sizeof(send.last_error), "zcrecv "
		    "exited %d: %.200s", WIFEXITED(ws) ? WEXITSTATUS(ws) :
		    128 + WTERMSIG(ws), line);
		send.last_error[strcspn(send.last_error, "\n")] = '\0';
		status = -1;
	}
	if (status == EXIT_OK && recv_compare(out, in, send.last_error,
	    sizeof(send.last_error)) == -1)
		status = -1;
	(void)unlink(out);
	if (status != EXIT_OK) {
		if (status == -1) {
			snprintf(m->last_error, sizeof(m->last_error), "%s",
			    send.last_error);
			m->failures++;
		}
		return status;
	}
	/* zcrecv -v names the path it took: another is not this row's. */
	snprintf(want, sizeof(want), " via %s\n", m->recv_mode);
	if ((via = strstr(c.text, " via ")) != NULL && strncmp(via, want,
	    strlen(want)) != 0) {
		snprintf(m->unavailable, sizeof(m->unavailable), "zcrecv "
		    "went%.*s", (int)strcspn(via, "\n"), via);
		return 0;
	}
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_usec / 1e6;
	m->gibps[m->runs] = t1 > t0 ? gib / ((double)(t1 - t0) / 1e9) : 0.0;
	m->cpu_per_gib[m->runs] = gib > 0 ? cpu / gib : 0.0;
	m->calls_per_gib[m->runs] = 0.0;
	m->runs++;
	return 0;
}
