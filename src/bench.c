/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench: the same file, sent over and over through each path
 * (sendfile, splice, read/write at several block sizes) to a discard
 * receiver, in interleaved rounds with the order rotated each round; medians
 * of throughput, sender CPU per GiB and syscalls per GiB. Every run checks
 * that the receiver got exactly the bytes sent, or it is not a figure.
 *
 * By default everything is embedded: a temporary file of random bytes and a
 * child process that drains connections with splice to /dev/null, so the
 * receiver costs little and the same for every mode.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcsend.h"

#define BENCH_MAX_MODES		(2 + BENCH_MAX_BLOCK_SIZES)
#define BENCH_MAX_ROUNDS	100
#define RECV_CHUNK		((size_t)256 * 1024)
#define RESULT_TIMEOUT_MS	30000
#define GIB			1073741824.0

/* One path under test. */
struct bench_mode {
	char		 name[32];
	enum send_mode	 mode;
	size_t		 block_size;
	double		 gibps[BENCH_MAX_ROUNDS];
	double		 cpu_per_gib[BENCH_MAX_ROUNDS];
	double		 calls_per_gib[BENCH_MAX_ROUNDS];
	int		 runs;
	int		 failures;
	char		 last_error[256];
};

/* The embedded discard receiver, a child process. */
struct receiver {
	pid_t	pid;
	int	results;	/* the child writes each connection's count */
	int	control;	/* closed by the parent: the child exits */
	char	port[16];
};

static int	bench_make_file(uint64_t, char *, size_t);
static int	bench_warm(int, uint64_t);
static int	receiver_start(struct receiver *, uint64_t, int);
static void	receiver_stop(struct receiver *);
static __dead void receiver_main(int, int, int, uint64_t);
static ssize_t	bench_recv(int, const int *, int);
static uint64_t	receiver_drain(int, int, uint64_t);
static int	receiver_result(struct receiver *, uint64_t *, int);
static int	bench_run(const struct options *, struct bench_mode *,
		    const struct dest *, const struct input *,
		    struct receiver *);
static int	bench_input(const struct options *, uint64_t *, int *);
static int	bench_modes(const struct options *, struct bench_mode *);
static int	bench_rounds(const struct options *, struct bench_mode *, int,
		    const struct dest *, const struct input *,
		    struct receiver *, int *);
static double	median(const double *, int);
static double	spread(const double *, int, int);
static void	bench_table(const struct options *, struct bench_mode *, int,
		    uint64_t, int, const char *);
static void	bench_json(const struct options *, struct bench_mode *, int,
		    uint64_t, int, const char *);

/*
 * A file of size pseudo-random bytes (xorshift: cheap, and incompressible
 * enough for any path here), unlinked at once so it goes away with zcsend.
 * Returns the fd, or -1 with msg set.
 */
static int
bench_make_file(uint64_t size, char *msg, size_t msglen)
{
	const char	*dir = getenv("TMPDIR");
	char		 path[4096];
	uint64_t	*block, state = 0x9e3779b97f4a7c15ULL, left;
	size_t		 i, n, words = RECV_CHUNK / sizeof(uint64_t);
	int		 fd;

	snprintf(path, sizeof(path), "%s/zcsend-bench.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if ((block = malloc(RECV_CHUNK)) == NULL) {
		snprintf(msg, msglen, "bench file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (left = size; left > 0; left -= n) {
		for (i = 0; i < words; i++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			block[i] = state;
		}
		n = left < RECV_CHUNK ? (size_t)left : RECV_CHUNK;
		if (write(fd, block, n) != (ssize_t)n) {
			snprintf(msg, msglen, "bench file: %s",
			    errno != 0 ? strerror(errno) : "short write");
			free(block);
			close(fd);
			return -1;
		}
	}
	free(block);
	return fd;
}

/* Read the file once, so every mode starts from the page cache. */
static int
bench_warm(int fd, uint64_t size)
{
	char		buf[RECV_CHUNK];
	uint64_t	off = 0;
	ssize_t		n;

	while (off < size) {
		n = pread(fd, buf, sizeof(buf), (off_t)off);
		if (n <= 0)
			return n == 0 ? 0 : -1;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * Move up to RECV_CHUNK bytes from conn to /dev/null through the pipe p,
 * without copying them where splice(2) exists. Returns the count, 0 at EOF.
 */
static ssize_t
bench_recv(int conn, const int *p, int devnull)
{
#ifdef SPLICE_F_MOVE
	ssize_t	n, m, left;

	n = splice(conn, NULL, p[1], NULL, RECV_CHUNK, SPLICE_F_MOVE);
	for (left = n; left > 0; left -= m) {
		m = splice(p[0], NULL, devnull, NULL, (size_t)left,
		    SPLICE_F_MOVE);
		if (m <= 0 && errno != EINTR)
			return -1;
		if (m < 0)
			m = 0;
	}
	return n;
#else
	static char	buf[RECV_CHUNK];

	(void)p;
	(void)devnull;
	return recv(conn, buf, sizeof(buf), 0);
#endif
}

/*
 * Drain one connection into /dev/null with splice, at most rate bytes a
 * second when rate is set. Returns the bytes received.
 */
static uint64_t
receiver_drain(int conn, int devnull, uint64_t rate)
{
	struct timespec	ts;
	uint64_t	got = 0;
	int64_t		start = loop_now_ns(), due, now;
	ssize_t		n;
	int		p[2];

	if (pipe(p) == -1)
		return 0;
	for (;;) {
		n = bench_recv(conn, p, devnull);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (uint64_t)n;
		if (rate == 0)
			continue;
		/* Sleep until the bytes so far are due at this rate. */
		due = start + (int64_t)((double)got / (double)rate * 1e9);
		now = loop_now_ns();
		if (due > now) {
			ts.tv_sec = (due - now) / 1000000000;
			ts.tv_nsec = (due - now) % 1000000000;
			while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
				;	/* the rest of the sleep is in ts */
		}
	}
	close(p[0]);
	close(p[1]);
	return got;
}

static __dead void
receiver_main(int lsock, int results, int control, uint64_t rate)
{
	struct pollfd	pfd[2];
	uint64_t	got;
	int		conn, devnull;

	signal(SIGHUP, SIG_IGN);	/* the parent stops it */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	if ((devnull = open("/dev/null", O_WRONLY)) == -1)
		_exit(1);
	pfd[0].fd = lsock;
	pfd[0].events = POLLIN;
	pfd[1].fd = control;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno != EINTR)
				_exit(1);
			continue;
		}
		if (pfd[1].revents != 0)
			_exit(0);	/* the parent is done or gone */
		if ((conn = accept(lsock, NULL, NULL)) == -1)
			continue;
		got = receiver_drain(conn, devnull, rate);
		close(conn);
		if (write(results, &got, sizeof(got)) != sizeof(got))
			_exit(1);
	}
}

/*
 * Start the discard receiver on a free loopback port: ::1 if family is
 * AF_INET6 (-6), else 127.0.0.1.
 */
static int
receiver_start(struct receiver *r, uint64_t rate, int family)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		len;
	int			lsock, res[2], ctl[2];

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	if ((lsock = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(lsock, (struct sockaddr *)&ss, len) == -1 ||
	    listen(lsock, 16) == -1 ||
	    getsockname(lsock, (struct sockaddr *)&ss, &len) == -1 ||
	    pipe(res) == -1) {
		close(lsock);
		return -1;
	}
	if (pipe(ctl) == -1) {
		close(lsock);
		close(res[0]);
		close(res[1]);
		return -1;
	}
	snprintf(r->port, sizeof(r->port), "%u", ntohs(family == AF_INET6 ?
	    sin6->sin6_port : sin->sin_port));
	if ((r->pid = fork()) == -1)
		return -1;
	if (r->pid == 0) {
		close(res[0]);
		close(ctl[1]);
		receiver_main(lsock, res[1], ctl[0], rate);
	}
	close(lsock);
	close(res[1]);
	close(ctl[0]);
	r->results = res[0];
	r->control = ctl[1];
	return 0;
}

static void
receiver_stop(struct receiver *r)
{
	int	status;

	if (r->pid <= 0)
		return;
	close(r->control);
	close(r->results);
	if (waitpid(r->pid, &status, WNOHANG) == 0) {
		kill(r->pid, SIGTERM);
		(void)waitpid(r->pid, &status, 0);
	}
	r->pid = 0;
}

/*
 * The count the receiver reports for the connection that just ended,
 * waiting up to timeout_ms for it.
 */
static int
receiver_result(struct receiver *r, uint64_t *got, int timeout_ms)
{
	struct pollfd	pfd;

	pfd.fd = r->results;
	pfd.events = POLLIN;
	if (loop_wait(&pfd, 1, timeout_ms) <= 0)
		return -1;
	return read(r->results, got, sizeof(*got)) == sizeof(*got) ? 0 : -1;
}

/*
 * One measured run of mode m. Returns 0 when every byte arrived (the
 * figures are then recorded), -1 when the run failed, or a signal's exit
 * status when interrupted.
 */
static int
bench_run(const struct options *o, struct bench_mode *m,
    const struct dest *d, const struct input *in, struct receiver *r)
{
	struct xfer_params	 par;
	struct xfer_dest	 xd;
	struct rusage		 ru0, ru1;
	struct xfer		 x, *xp = &x;
	struct loop		 l;
	uint64_t		 got = 0, len = in->len;
	int64_t			 t0, t1;
	double			 secs, cpu, gib = (double)len / GIB;
	int			 status, gerr;

	/* The receiver sets the pace: the sender runs unpaced. */
	options_params(o, &par);
	par.mode = m->mode;
	par.block_size = m->block_size;
	par.hdr.len = par.trl.len = 0;
	par.rate = 0;
	par.may_block = 1;
	memset(&xd, 0, sizeof(xd));
	xd.sock = -1;
	xd.peer = d->peer;
	xd.host = d->host;
	xd.port = d->port;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = loop_now_ns();
	if ((gerr = net_resolve(d->host, d->portnum, o->family,
	    &xd.ai)) != 0) {
		snprintf(m->last_error, sizeof(m->last_error), "resolve %.200s: %s",
		    d->host, net_gai_error(gerr));
		m->failures++;
		return -1;
	}
	xfer_init(&x, &par, in, &xd);
	memset(&l, 0, sizeof(l));
	l.slots = &xp;
	l.nslots = 1;
	l.listen_fd = -1;
	if (loop_run(&l) == -1)
		xfer_fail_errno(&x, errno);
	t1 = loop_now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	status = xfer_status(&x);
	if (status == EXIT_SIGHUP || status == EXIT_SIGINT ||
	    status == EXIT_SIGTERM) {
		xfer_close(&x);
		return status;
	}
	if (status == EXIT_OK && r != NULL && (receiver_result(r, &got,
	    RESULT_TIMEOUT_MS) == -1 || got != xfer_bytes_done(&x) ||
	    got != len)) {
		status = EXIT_IOERR;
		xfer_fail_after(&x, status, "receiver got %ju of %ju bytes",
		    (uintmax_t)got, (uintmax_t)len);
	}
	if (status != EXIT_OK) {
		/*
		 * The receiver still reports the failed connection: take
		 * that count now, or the next run would read it as its own.
		 */
		if (r != NULL && xfer_sock(&x) != -1)
			(void)receiver_result(r, &got, RESULT_TIMEOUT_MS);
		snprintf(m->last_error, sizeof(m->last_error), "%s",
		    xfer_error(&x));
		m->failures++;
		xfer_close(&x);
		return -1;
	}
	secs = (double)(t1 - t0) / 1e9;
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
	    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	m->gibps[m->runs] = secs > 0 ? gib / secs : 0.0;
	m->cpu_per_gib[m->runs] = gib > 0 ? cpu / gib : 0.0;
	m->calls_per_gib[m->runs] = gib > 0 ?
	    (double)xfer_syscalls(&x) / gib : 0.0;
	m->runs++;
	xfer_close(&x);
	return 0;
}

static int
compare_doubles(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *values, int n)
{
	double	sorted[BENCH_MAX_ROUNDS];

	if (n == 0)
		return 0.0;
	memcpy(sorted, values, (size_t)n * sizeof(*values));
	qsort(sorted, (size_t)n, sizeof(*sorted), compare_doubles);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* The smallest (or with max, the largest) of n values; 0 for none. */
static double
spread(const double *values, int n, int max)
{
	double	v;
	int	i;

	if (n == 0)
		return 0.0;
	for (v = values[0], i = 1; i < n; i++)
		if (max ? values[i] > v : values[i] < v)
			v = values[i];
	return v;
}

static void
bench_table(const struct options *o, struct bench_mode *modes, int nmodes,
    uint64_t len, int embedded, const char *where)
{
	double	base_gibps = median(modes[0].gibps, modes[0].runs);
	double	base_cpu = median(modes[0].cpu_per_gib, modes[0].runs);
	double	base_calls = median(modes[0].calls_per_gib, modes[0].runs);
	double	g, c, s;
	char	size[32], rate[32];
	int	i;

	format_size(size, sizeof(size), (double)len);
	printf("zcsend --bench: %s file, %d round%s, medians; receiver: %s\n",
	    size, o->bench_rounds, o->bench_rounds == 1 ? "" : "s", where);
	if (o->rate > 0) {
		format_size(rate, sizeof(rate), (double)o->rate);
		printf("paced at %s/s: every mode moves bytes at the same "
		    "rate, so CPU s/GiB compares the work each path costs\n",
		    rate);
	} else
		printf("unpaced: each sender runs flat out, so GiB/s is bound "
		    "by the receiver and loopback and CPU s/GiB mixes work "
		    "with waiting (use --rate to compare at equal "
		    "throughput)\n");
	printf("%-16s %8s %7s %10s %7s %13s %7s\n", "mode", "GiB/s", "x",
	    "CPU s/GiB", "x", "syscalls/GiB", "x");
	for (i = 0; i < nmodes; i++) {
		if (modes[i].runs == 0) {
			printf("%-16s failed: %s\n", modes[i].name,
			    modes[i].last_error);
			continue;
		}
		g = median(modes[i].gibps, modes[i].runs);
		c = median(modes[i].cpu_per_gib, modes[i].runs);
		s = median(modes[i].calls_per_gib, modes[i].runs);
		printf("%-16s %8.2f %7.2f %10.3f %7.2f %13.0f %7.2f",
		    modes[i].name, g, base_gibps > 0 ? g / base_gibps : 0.0,
		    c, base_cpu > 0 ? c / base_cpu : 0.0, s,
		    base_calls > 0 ? s / base_calls : 0.0);
		if (modes[i].failures > 0)
			printf("  (%d failed runs: %s)", modes[i].failures,
			    modes[i].last_error);
		putchar('\n');
	}
	printf("ratios (x) are to sendfile; every run's byte count was "
	    "checked at the receiver%s\n", embedded ? "" :
	    " by its clean close");
	printf("historical, for context: pysendfile 2.0.1 on Linux 2.6.38 "
	    "measured sendfile 848.56 MB/s vs send() 362.13 MB/s (2.34x)\n");
}

static void
bench_json(const struct options *o, struct bench_mode *modes, int nmodes,
    uint64_t len, int embedded, const char *where)
{
	int	i;

	printf("{\"file_bytes\":%ju,\"rounds\":%d,\"rate\":%ju,"
	    "\"receiver\":", (uintmax_t)len, o->bench_rounds,
	    (uintmax_t)o->rate);
	json_string(stdout, where);	/* a host as given: any bytes */
	printf(",\"embedded\":%s,\"modes\":[", embedded ? "true" : "false");
	for (i = 0; i < nmodes; i++) {
		printf("%s{\"mode\":\"%s\",\"block_size\":", i > 0 ? "," : "",
		    modes[i].name);
		if (modes[i].mode == MODE_READWRITE)
			printf("%zu", modes[i].block_size);
		else
			printf("null");
		/* Significant digits, not decimals: a tiny file is slow. */
		printf(",\"runs\":%d,\"failures\":%d,\"gib_per_s\":%.6g,"
		    "\"gib_per_s_min\":%.6g,\"gib_per_s_max\":%.6g,"
		    "\"cpu_s_per_gib\":%.6g,\"syscalls_per_gib\":%.1f}",
		    modes[i].runs, modes[i].failures,
		    median(modes[i].gibps, modes[i].runs),
		    spread(modes[i].gibps, modes[i].runs, 0),
		    spread(modes[i].gibps, modes[i].runs, 1),
		    median(modes[i].cpu_per_gib, modes[i].runs),
		    median(modes[i].calls_per_gib, modes[i].runs));
	}
	printf("],\"historical\":{\"source\":\"pysendfile 2.0.1, Linux "
	    "2.6.38\",\"sendfile_mb_s\":848.56,\"send_mb_s\":362.13}}\n");
}

/*
 * The file to send: FILE, or a file of bench_size random bytes. Returns its
 * fd with *len set and the file read once into the page cache, or -1 after
 * telling why, with *status set.
 */
static int
bench_input(const struct options *o, uint64_t *len, int *status)
{
	struct stat	 st;
	char		 msg[512];
	int		 fd;

	*status = EXIT_NOINPUT;
	if (o->path != NULL) {
		/*
		 * O_NONBLOCK: a FIFO, refused below, must not wait here for a
		 * writer. A regular file ignores the flag; it is cleared.
		 */
		if ((fd = open(o->path, O_RDONLY | O_CLOEXEC |
		    O_NONBLOCK)) == -1 && errno == EINTR && loop_signalled()) {
			msg_warnx("interrupted by %s: opening %s",
			    loop_signal_name(), o->path);
			*status = loop_signal_status();
			return -1;
		}
		if (fd == -1 || fstat(fd, &st) == -1 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
			*status = xfer_open_status(errno);
			msg_warnx("%s: %s", o->path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		/* Its size is what each run sends and checks. */
		if (!S_ISREG(st.st_mode) || st.st_size == 0 ||
		    sf_pseudo_file(fd)) {
			msg_warnx("%s: nothing to benchmark: not a regular "
			    "file of 1 byte or more", o->path);
			close(fd);
			return -1;
		}
		*len = (uint64_t)st.st_size;
	} else {
		*len = o->bench_size;
		if ((fd = bench_make_file(*len, msg, sizeof(msg))) == -1) {
			msg_warnx("%s", msg);
			*status = EXIT_OSERR;
			return -1;
		}
	}
	if (bench_warm(fd, *len) == -1) {
		msg_warnx("%s: %s", o->path != NULL ? o->path : "bench file",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The paths to measure, in table order. Returns how many. */
static int
bench_modes(const struct options *o, struct bench_mode *modes)
{
	int	nmodes = 0, i;

	memset(modes, 0, BENCH_MAX_MODES * sizeof(*modes));
	snprintf(modes[nmodes].name, sizeof(modes[0].name), "sendfile");
	modes[nmodes++].mode = MODE_SENDFILE;
	if (splice_backend.send != NULL) {
		snprintf(modes[nmodes].name, sizeof(modes[0].name), "splice");
		modes[nmodes++].mode = MODE_SPLICE;
	}
	for (i = 0; i < o->bench_nblock_sizes; i++) {
		modes[nmodes].mode = MODE_READWRITE;
		modes[nmodes].block_size = o->bench_block_sizes[i];
		if (o->bench_block_sizes[i] % 1024 == 0)
			snprintf(modes[nmodes].name, sizeof(modes[0].name),
			    "readwrite %zuK", o->bench_block_sizes[i] / 1024);
		else
			snprintf(modes[nmodes].name, sizeof(modes[0].name),
			    "readwrite %zu", o->bench_block_sizes[i]);
		nmodes++;
	}
	for (i = 0; i < nmodes; i++)
		if (modes[i].block_size == 0)
			modes[i].block_size = o->block_size;
	return nmodes;
}

/*
 * Every mode, every round, the order rotated each round. Returns 0, or a
 * signal's exit status; *failed counts the runs that failed.
 */
static int
bench_rounds(const struct options *o, struct bench_mode *modes, int nmodes,
    const struct dest *d, const struct input *in, struct receiver *r,
    int *failed)
{
	struct progress	p;
	int		round, k, i, status = EXIT_OK;

	progress_start(&p, o->progress, isatty(STDERR_FILENO), loop_now_ns());
	for (round = 0; round < o->bench_rounds && status == EXIT_OK;
	    round++) {
		for (k = 0; k < nmodes; k++) {
			i = (k + round) % nmodes;
			progress_note(&p, "round %d/%d: %s", round + 1,
			    o->bench_rounds, modes[i].name);
			status = bench_run(o, &modes[i], d, in, r);
			if (status == -1) {
				(*failed)++;
				status = EXIT_OK;
			}
			if (status != EXIT_OK)
				break;
		}
	}
	progress_clear(&p);
	return status;
}

/*
 * Run the benchmark: o->path (or a file made for it) to o->dests[0] (or
 * the embedded receiver). Returns the exit status.
 */
int
bench_main(const struct options *o)
{
	struct bench_mode	 modes[BENCH_MAX_MODES];
	struct receiver		 r;
	struct input		 in;
	struct dest		 d;
	char			 where[1200];
	int			 nmodes, embedded = o->ndests == 0, fd, status;
	int			 failed = 0;

	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	if (!embedded)
		d = o->dests[0];
	if ((fd = bench_input(o, &in.len, &status)) == -1)
		return status;
	nmodes = bench_modes(o, modes);
	memset(&r, 0, sizeof(r));
	if (embedded) {
		if (receiver_start(&r, o->rate, o->family) == -1) {
			msg_warnx("receiver: %s", strerror(errno));
			close(fd);
			return EXIT_OSERR;
		}
		/* -6 connects only to IPv6 addresses: the receiver is on ::1. */
		snprintf(d.host, sizeof(d.host), "%s",
		    o->family == AF_INET6 ? "::1" : "127.0.0.1");
		snprintf(d.port, sizeof(d.port), "%s", r.port);
		snprintf(d.portnum, sizeof(d.portnum), "%s", r.port);
		snprintf(d.peer, sizeof(d.peer), "%s port %s", d.host, d.port);
		snprintf(where, sizeof(where), "embedded splice discard on "
		    "%s", d.host);
	} else
		snprintf(where, sizeof(where), "%s", d.peer);

	in.fd = fd;
	in.name = o->path != NULL ? o->path : "bench file";
	status = bench_rounds(o, modes, nmodes, &d, &in, embedded ? &r : NULL,
	    &failed);
	receiver_stop(&r);
	close(fd);
	if (status != EXIT_OK) {
		msg_warnx("interrupted by %s: benchmark stopped",
		    loop_signal_name());
		return status;
	}
	if (o->json)
		bench_json(o, modes, nmodes, in.len, embedded, where);
	else
		bench_table(o, modes, nmodes, in.len, embedded, where);
	if (failed > 0) {
		msg_warnx("bench: %d of %d runs failed", failed,
		    nmodes * o->bench_rounds);
		return EXIT_IOERR;
	}
	return EXIT_OK;
}
