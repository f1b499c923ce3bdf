/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench: the same file, sent over and over through each path
 * (sendfile, splice, mmap, MSG_ZEROCOPY, io_uring, read/write at several
 * block sizes) to a discard receiver, in interleaved rounds with the order
 * rotated each round; medians of throughput, sender CPU per GiB and syscalls
 * per GiB, per file size (--size list) and page cache state (--cache). Every
 * run checks that the receiver got exactly the bytes sent, or it is not a
 * figure. A path the kernel refuses is a row that says why, not a failure.
 *
 * By default everything is embedded: a temporary file of random bytes and a
 * child process that drains connections with splice to /dev/null, so the
 * receiver costs little and the same for every mode. --recv turns it
 * round: zcrecv's paths receive from an embedded sender (bench-recv.c).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "bench.h"

static int	bench_make_file(uint64_t, char *, size_t);
static int	bench_warm(int, uint64_t);
static int	bench_input(const struct options *, uint64_t *, int *);
static int	bench_modes(const struct options *, struct bench_mode *);
static int	bench_rounds(const struct options *, struct bench_mode *, int,
		    int, const struct dest *, const struct input *,
		    struct bench_sink *, int *);
static int	bench_prepare(struct bench_mode *, int, const struct input *);
static void	bench_groups(const struct options *, struct bench_mode *, int,
		    int *);

/* Where --bench's files go: TMPDIR, or /tmp. */
const char *
bench_tmpdir(void)
{
	const char	*dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

/*
 * A file of size pseudo-random bytes (xorshift: cheap, and incompressible
 * enough for any path here), unlinked at once so it goes away with zcsend.
 * Returns the fd, or -1 with msg set.
 */
static int
bench_make_file(uint64_t size, char *msg, size_t msglen)
{
	char		 path[4096];
	uint64_t	*block, state = 0x9e3779b97f4a7c15ULL, left;
	size_t		 i, n, words = BENCH_CHUNK / sizeof(uint64_t);
	int		 fd;

	snprintf(path, sizeof(path), "%s/zcsend-bench.XXXXXX",
	    bench_tmpdir());
	if ((fd = mkstemp(path)) == -1) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if ((block = malloc(BENCH_CHUNK)) == NULL) {
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
		n = left < BENCH_CHUNK ? (size_t)left : BENCH_CHUNK;
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
	char		buf[BENCH_CHUNK];
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
 * One measured run of mode m. Returns 0 when every byte arrived (the
 * figures are then recorded), -1 when the run failed, or a signal's exit
 * status when interrupted.
 */
int
bench_run(const struct options *o, struct bench_mode *m,
    const struct dest *d, const struct input *in, struct bench_sink *r)
{
	struct xfer_params	 par;
	struct xfer_dest	 xd;
	struct rusage		 ru0, ru1;
	struct xfer		*x;
	struct loop		 l;
	uint64_t		 got = 0, len = in->len;
	int64_t			 t0, t1;
	double			 secs, cpu, gib = (double)len / BENCH_GIB;
	const char		*from;
	int			 status, gerr, fallback;

	/* The receiver sets the pace: the sender runs unpaced. */
	options_params(o, &par);
	par.mode = m->mode;
	par.backend = m->mode == MODE_SENDFILE || m->mode == MODE_SPLICE ||
	    m->mode == MODE_READWRITE ? NULL : mode_backend(m->mode);
	par.block_size = m->block_size;
	par.hdr.len = par.trl.len = 0;
	par.rate = m->recv_mode != NULL ? o->rate : 0;
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
	if ((x = xfer_new(&par, in, &xd)) == NULL) {
		snprintf(m->last_error, sizeof(m->last_error),
		    "transfer: %s", strerror(errno));
		m->failures++;
		return -1;
	}
	memset(&l, 0, sizeof(l));
	l.slots = &x;
	l.nslots = 1;
	l.listen_fd = -1;
	if (loop_run(&l) == -1)
		xfer_fail_errno(x, errno);
	t1 = loop_now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	status = xfer_status(x);
	if (status == EXIT_SIGHUP || status == EXIT_SIGINT ||
	    status == EXIT_SIGTERM) {
		xfer_close(x);
		return status;
	}
	if (status == EXIT_OK && r != NULL && (bench_sink_result(r, &got,
	    BENCH_RESULT_MS) == -1 || got != xfer_bytes_done(x) ||
	    got != len)) {
		status = EXIT_IOERR;
		xfer_fail_after(x, status, "receiver got %ju of %ju bytes",
		    (uintmax_t)got, (uintmax_t)len);
	}
	if (status != EXIT_OK) {
		/*
		 * The receiver still reports the failed connection: take
		 * that count now, or the next run would read it as its own.
		 */
		if (r != NULL && xfer_sock(x) != -1)
			(void)bench_sink_result(r, &got, BENCH_RESULT_MS);
		snprintf(m->last_error, sizeof(m->last_error), "%s",
		    xfer_error(x));
		m->failures++;
		xfer_close(x);
		return -1;
	}
	if ((fallback = xfer_fallback(x, &from)) != 0) {
		/* Read/write carried it: not a figure of this mode. */
		snprintf(m->unavailable, sizeof(m->unavailable), "%s: %s",
		    from, strerror(fallback));
		xfer_close(x);
		return 0;
	}
	secs = (double)(t1 - t0) / 1e9;
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
	    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	m->gibps[m->runs] = secs > 0 ? gib / secs : 0.0;
	m->cpu_per_gib[m->runs] = gib > 0 ? cpu / gib : 0.0;
	m->calls_per_gib[m->runs] = gib > 0 ?
	    (double)xfer_syscalls(x) / gib : 0.0;
	m->runs++;
	xfer_close(x);
	return 0;
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
	int		 fd, i;

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
		for (*len = 0, i = 0; i < o->bench_nsizes; i++)
			if (o->bench_sizes[i] > *len)
				*len = o->bench_sizes[i];
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
	static const enum send_mode	 more[] = { MODE_MMAP, MODE_ZEROCOPY,
	    MODE_URING_SPLICE, MODE_URING_SENDZC };
	int				 nmodes = 0, i;

	memset(modes, 0, BENCH_MAX_MODES * sizeof(*modes));
	if (o->bench_recv) {
		/* zcrecv's paths, each fed by the embedded sendfile sender. */
		for (i = 0; i < 2; i++) {
			modes[i].mode = MODE_SENDFILE;
			modes[i].block_size = o->block_size;
			modes[i].recv_mode = i == 0 ? "splice" : "readwrite";
			snprintf(modes[i].name, sizeof(modes[i].name),
			    "zcrecv %s", modes[i].recv_mode);
		}
		return 2;
	}
	snprintf(modes[nmodes].name, sizeof(modes[0].name), "sendfile");
	modes[nmodes++].mode = MODE_SENDFILE;
	if (splice_backend.send != NULL) {
		snprintf(modes[nmodes].name, sizeof(modes[0].name), "splice");
		modes[nmodes++].mode = MODE_SPLICE;
	}
	/* Rows even where not built: they say why they cannot run. */
	for (i = 0; i < (int)(sizeof(more) / sizeof(more[0])); i++) {
		snprintf(modes[nmodes].name, sizeof(modes[0].name), "%s",
		    mode_name(more[i]));
		modes[nmodes].mode = more[i];
		/* Buffers that stay the kernel's a while: fewer, larger. */
		if (more[i] == MODE_ZEROCOPY || more[i] == MODE_URING_SENDZC)
			modes[nmodes].block_size = (size_t)256 * 1024;
		(void)mode_available(more[i], o->family,
		    modes[nmodes].unavailable,
		    sizeof(modes[nmodes].unavailable));
		nmodes++;
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
 * Every size, warm then cold as asked: a group of nmodes rows each, into
 * rows, with their count in *ngroups.
 */
static void
bench_groups(const struct options *o, struct bench_mode *rows, int nmodes,
    int *ngroups)
{
	struct bench_mode	base[BENCH_MAX_MODES];
	int			i, k, cold, g = 0;

	(void)bench_modes(o, base);
	for (i = 0; i < o->bench_nsizes; i++)
		for (cold = 0; cold <= 1; cold++) {
			if (!(o->bench_cache & (cold ? BENCH_COLD :
			    BENCH_WARM)))
				continue;
			for (k = 0; k < nmodes; k++) {
				rows[g * nmodes + k] = base[k];
				rows[g * nmodes + k].size = o->path != NULL ?
				    0 : o->bench_sizes[i];
				rows[g * nmodes + k].cold = cold;
			}
			g++;
		}
	*ngroups = g;
}

/*
 * The page cache as row m's run wants it: its bytes dropped (cold), which
 * mincore must confirm, or read in (warm, after a cold run dropped them).
 * Returns 0; or -1 when the pages stayed: the row is unavailable if none
 * of its runs could start cold, else this run is skipped.
 */
static int
bench_prepare(struct bench_mode *m, int had_cold, const struct input *in)
{
	uint64_t	resident;
	char		why[sizeof(m->unavailable)];

	if (!m->cold)
		return had_cold ? bench_warm(in->fd, in->len) : 0;
	if (bench_drop_cache(in->fd, in->len, &resident, why,
	    sizeof(why)) == 0)
		return 0;
	if (m->runs == 0) {
		snprintf(m->unavailable, sizeof(m->unavailable), "%s", why);
		m->resident = resident;
	} else {
		m->skipped++;
		snprintf(m->skip_reason, sizeof(m->skip_reason), "%s", why);
	}
	return -1;
}

/*
 * Every mode, every round, the order rotated each round, group by group.
 * Returns 0, or a signal's exit status; *failed counts the runs that
 * failed.
 */
static int
bench_rounds(const struct options *o, struct bench_mode *modes, int nmodes,
    int ngroups, const struct dest *d, const struct input *in,
    struct bench_sink *r, int *failed)
{
	struct bench_mode	*m;
	struct progress		 p;
	struct input		 part = *in;
	char			 size[32];
	int			 round, k, g, status = EXIT_OK;

	progress_start(&p, o->progress, isatty(STDERR_FILENO), loop_now_ns());
	for (round = 0; round < o->bench_rounds && status == EXIT_OK;
	    round++) {
		for (g = 0; g < ngroups && status == EXIT_OK; g++) {
			for (k = 0; k < nmodes; k++) {
				m = &modes[g * nmodes + (k + round) % nmodes];
				if (m->unavailable[0] != '\0')
					continue;
				part.len = m->size != 0 ? m->size : in->len;
				format_size(size, sizeof(size),
				    (double)part.len);
				progress_note(&p, "round %d/%d: %s, %s%s",
				    round + 1, o->bench_rounds, m->name, size,
				    m->cold ? ", cold" : "");
				if (bench_prepare(m, (o->bench_cache &
				    BENCH_COLD) != 0, &part) == -1)
					continue;
				status = m->recv_mode != NULL ?
				    bench_recv_run(o, m, &part) :
				    bench_run(o, m, d, &part, r);
				if (status == -1) {
					(*failed)++;
					status = EXIT_OK;
				}
				if (status != EXIT_OK)
					break;
			}
		}
	}
	progress_clear(&p);
	return status;
}

/*
 * Run the benchmark: o->path (or a file made for it) to o->dests[0] (or
 * the embedded receiver; with --recv, to zcrecv). Returns the exit status.
 */
int
bench_main(const struct options *o)
{
	struct bench_mode	*modes, base[BENCH_MAX_MODES];
	struct bench_sink	 r;
	struct input		 in;
	struct dest		 d;
	char			 where[1200];
	int			 nmodes, ngroups, g, i, embedded = o->ndests == 0;
	int			 fd, status, failed = 0, runs = 0;

	if (o->bench_recv && (!embedded || o->bench_cache != BENCH_WARM)) {
		msg_warnx("command line: --recv does not go with %s",
		    !embedded ? "HOST PORT: it measures zcrecv on this host" :
		    "--cache: zcrecv writes a new file each run");
		return EXIT_USAGE;
	}
	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	if (!embedded)
		d = o->dests[0];
	if ((fd = bench_input(o, &in.len, &status)) == -1)
		return status;
	nmodes = bench_modes(o, base);
	if ((modes = calloc((size_t)2 * BENCH_MAX_SIZES * (size_t)nmodes,
	    sizeof(*modes))) == NULL) {
		msg_warnx("bench: %s", strerror(errno));
		close(fd);
		return EXIT_OSERR;
	}
	bench_groups(o, modes, nmodes, &ngroups);
	memset(&r, 0, sizeof(r));
	if (o->bench_recv)
		snprintf(where, sizeof(where), "zcrecv into a file in %s",
		    bench_tmpdir());
	else if (embedded) {
		if (bench_sink_start(&r, o->rate, o->family) == -1) {
			msg_warnx("receiver: %s", strerror(errno));
			free(modes);
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
	status = bench_rounds(o, modes, nmodes, ngroups, &d, &in,
	    embedded ? &r : NULL, &failed);
	bench_sink_stop(&r);
	close(fd);
	if (status != EXIT_OK) {
		msg_warnx("interrupted by %s: benchmark stopped",
		    loop_signal_name());
		free(modes);
		return status;
	}
	for (i = 0; i < ngroups * nmodes; i++) {
		if (modes[i].size == 0)
			modes[i].size = in.len;
		if (modes[i].unavailable[0] == '\0')
			runs += o->bench_rounds;
	}
	if (o->json)
		bench_json(o, modes, ngroups * nmodes, in.len, embedded, where);
	else if (o->bench_csv)
		bench_csv(stdout, modes, ngroups * nmodes);
	else
		for (g = 0; g < ngroups; g++)
			bench_table(o, modes + (size_t)g * (size_t)nmodes,
			    nmodes, g == ngroups - 1, embedded, where);
	free(modes);
	if (failed > 0) {
		msg_warnx("bench: %d of %d runs failed", failed, runs);
		return EXIT_IOERR;
	}
	return EXIT_OK;
}
