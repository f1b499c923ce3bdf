/* SPDX-License-Identifier: ISC */
/*
 * What zcsend tells the user: the progress line (redrawn on a terminal, or
 * one plain line a second for logs), the final summary, --json, and every
 * other message, through msg_warnx, which first clears a progress line on
 * the terminal (as pv's pv_error does) so that no message lands inside
 * one. It only reads a transfer's counters; it never touches the data fds.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

#define TTY_INTERVAL_NS		100000000	/* at most 10 redraws a second */
#define PLAIN_INTERVAL_NS	1000000000

static void	progress_line(char *, size_t, struct xfer *const *, size_t,
		    int64_t, int64_t);
static void	progress_draw(struct progress *, const char *);
static void	msg_vwarnx(const char *, va_list)
		    __attribute__((__format__(__printf__, 1, 0)));

/* The progress whose line is on the terminal now, if any. */
static struct progress	*progress_drawn;
static void	json_string(FILE *, const char *);
static const char *errno_name(int);
static void	json_deploy(FILE *, const struct options *,
		    const struct xfer *);

/* Human-readable bytes, powers of 1024: "512 B", "85.3 MiB". */
void
format_size(char *buf, size_t size, double value)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	size_t	unit = 0;

	while (value >= 1024.0 && unit < sizeof(units) / sizeof(units[0]) - 1) {
		value /= 1024.0;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%.0f %s", value, units[unit]);
	else
		snprintf(buf, size, "%.1f %s", value, units[unit]);
}

/*
 * Resolve the mode (auto: the redrawn line on a terminal, else nothing) and
 * start the clock.
 */
void
progress_start(struct progress *p, enum progress_mode mode, int tty,
    int64_t now_ns)
{
	memset(p, 0, sizeof(*p));
	if (mode == PROGRESS_AUTO)
		mode = tty ? PROGRESS_TTY : PROGRESS_NONE;
	p->mode = mode;
	p->out = stderr;
	p->start_ns = now_ns;
	p->next_ns = now_ns + (mode == PROGRESS_TTY ? TTY_INTERVAL_NS :
	    PLAIN_INTERVAL_NS);
}

/* Milliseconds until the next redraw is due, or -1 if there is none. */
int
progress_due_ms(const struct progress *p, int64_t now_ns)
{
	if (p->mode == PROGRESS_NONE)
		return -1;
	if (p->next_ns <= now_ns)
		return 0;
	return (int)((p->next_ns - now_ns + 999999) / 1000000);
}

/*
 * The progress text for n transfers: their sum, and with several, the
 * slowest one (the least done), which is what holds the run up.
 */
static void
progress_line(char *buf, size_t size, struct xfer *const *xs, size_t n,
    int64_t start_ns, int64_t now_ns)
{
	uint64_t	 done = 0, total = 0, d, t;
	double		 secs = (double)(now_ns - start_ns) / 1e9, rate;
	double		 slowest = 2.0, frac;
	const char	*slow_peer = NULL;
	char		 rate_s[32], eta_s[32];
	size_t		 i;
	int		 len;
	long		 eta;

	for (i = 0; i < n; i++) {
		if (xs[i]->prog.phase == XFER_FAILED)
			continue;	/* its bytes will never all come */
		d = xfer_bytes_done(xs[i]);
		t = xfer_bytes_total(xs[i]);
		done += d;
		if (total != COUNT_TO_EOF)
			total = t == COUNT_TO_EOF ? COUNT_TO_EOF : total + t;
		frac = t == COUNT_TO_EOF || t == 0 ? 0.0 :
		    (double)d / (double)t;
		if (frac < slowest) {
			slowest = frac;
			slow_peer = xs[i]->conn.peer;
		}
	}
	rate = secs > 0 ? (double)done / secs : 0.0;
	format_size(rate_s, sizeof(rate_s), rate);
	len = n > 1 ? snprintf(buf, size, "%zu receivers: ", n) : 0;
	if (len < 0 || (size_t)len >= size)
		return;
	buf += len;
	size -= (size_t)len;
	if (total == COUNT_TO_EOF) {
		snprintf(buf, size, "%ju bytes, %s/s", (uintmax_t)done, rate_s);
		return;
	}
	if (rate > 0) {
		eta = (long)((double)(total - done) / rate + 0.5);
		snprintf(eta_s, sizeof(eta_s), "%ld:%02ld", eta / 60, eta % 60);
	} else
		snprintf(eta_s, sizeof(eta_s), "--:--");
	len = snprintf(buf, size, "%ju of %ju bytes (%d%%), %s/s, ETA %s",
	    (uintmax_t)done, (uintmax_t)total,
	    total == 0 ? 100 : (int)((double)done * 100.0 / (double)total),
	    rate_s, eta_s);
	if (n > 1 && slow_peer != NULL && len > 0 && (size_t)len < size)
		snprintf(buf + len, size - (size_t)len, "; slowest %s at %d%%",
		    slow_peer, (int)(slowest * 100.0));
}

/* Redraw if one is due; catch up rather than burst after a stall. */
void
progress_update(struct progress *p, struct xfer *const *xs, size_t n,
    int64_t now_ns)
{
	char	line[320];
	int64_t	interval;

	if (p->mode == PROGRESS_NONE || now_ns < p->next_ns)
		return;
	interval = p->mode == PROGRESS_TTY ? TTY_INTERVAL_NS :
	    PLAIN_INTERVAL_NS;
	p->next_ns += interval;
	if (p->next_ns <= now_ns)
		p->next_ns = now_ns + interval;
	progress_line(line, sizeof(line), xs, n, p->start_ns, now_ns);
	progress_draw(p, line);
}

/* Show line: redrawn in place on a terminal, else a line of its own. */
static void
progress_draw(struct progress *p, const char *line)
{
	if (p->mode == PROGRESS_NONE)
		return;
	if (p->mode == PROGRESS_TTY) {
		fprintf(p->out, "\r%s: %s\033[K", getprogname(), line);
		p->drawn = 1;
		progress_drawn = p;
	} else
		fprintf(p->out, "%s: %s\n", getprogname(), line);
	fflush(p->out);
}

/* A line of progress that is not a transfer's counters (--bench rounds). */
void
progress_note(struct progress *p, const char *fmt, ...)
{
	char	line[320];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	progress_draw(p, line);
}

/* Erase a drawn terminal line, so what follows starts on a clean line. */
void
progress_clear(struct progress *p)
{
	if (p->drawn) {
		fprintf(p->out, "\r\033[K");
		fflush(p->out);
		p->drawn = 0;
	}
	if (progress_drawn == p)
		progress_drawn = NULL;
}

static void
msg_vwarnx(const char *fmt, va_list ap)
{
	if (progress_drawn != NULL)
		progress_clear(progress_drawn);
	fprintf(stderr, "%s: ", getprogname());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/*
 * The one way zcsend prints a message: "zcsend: what: why" on stderr, as
 * warnx(3) does, after clearing a progress line from the terminal.
 */
void
msg_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vwarnx(fmt, ap);
	va_end(ap);
}

/*
 * A failure that ends the run: the message, then with --json the outcome
 * as JSON (o may be NULL while the command line is still being read), then
 * exit with status.
 */
void
msg_exit(const struct options *o, int status, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg_warnx("%s", msg);
	if (o != NULL && o->json)
		report_json(stdout, o, NULL, 0, status, msg);
	exit(status);
}

/* The final line of a successful transfer, named by peer with several. */
void
progress_summary(const struct progress *p, const struct xfer *x,
    int with_peer)
{
	double	secs = (double)(x->prog.end_ns - x->prog.start_ns) / 1e9;
	char	rate[32];

	format_size(rate, sizeof(rate),
	    secs > 0 ? (double)xfer_bytes_done(x) / secs : 0.0);
	fprintf(p->out, "%s: %s%ssent %ju bytes in %.3f s (%s/s) via %s",
	    getprogname(), with_peer ? x->conn.peer : "",
	    with_peer ? ": " : "", (uintmax_t)xfer_bytes_done(x), secs, rate,
	    x->be.backend->name);
	if (x->be.fallback_errno != 0)
		fprintf(p->out, " (%s refused: %s)", x->be.fallback_from,
		    strerror(x->be.fallback_errno));
	fputc('\n', p->out);
}

static void
json_string(FILE *out, const char *s)
{
	const unsigned char *u;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (u = (const unsigned char *)s; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			fprintf(out, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f)
			fprintf(out, "\\u%04x", *u);
		else
			fputc(*u, out);
	}
	fputc('"', out);
}

/* The symbolic name of the errnos a fallback can come from. */
static const char *
errno_name(int err)
{
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EPERM:
		return "EPERM";
	case ENOTSOCK:
		return "ENOTSOCK";
	default:
		return "other";
	}
}

/* One transfer's outcome: the members of its JSON object. */
static void
json_xfer(FILE *out, const struct xfer *x)
{
	uint64_t	bytes = xfer_bytes_done(x);
	double		secs;
	int		status = xfer_status(x);

	secs = (double)((x->prog.end_ns != 0 ? x->prog.end_ns :
	    loop_now_ns()) - x->prog.start_ns) / 1e9;
	fputs("\"host\":", out);
	json_string(out, x->conn.host);
	fputs(",\"port\":", out);
	json_string(out, x->conn.port != NULL && *x->conn.port != '\0' ?
	    x->conn.port : NULL);
	fprintf(out, ",\"bytes\":%ju,\"file_bytes\":%ju,\"seconds\":%.6f,"
	    "\"rate\":%.1f,\"backend\":", (uintmax_t)bytes,
	    (uintmax_t)x->prog.file_done, secs,
	    secs > 0 ? (double)bytes / secs : 0.0);
	json_string(out, x->be.backend->name);
	fputs(",\"fallback_errno\":", out);
	json_string(out, x->be.fallback_errno != 0 ?
	    errno_name(x->be.fallback_errno) : NULL);
	fprintf(out, ",\"status\":%d,\"error\":", status);
	json_string(out, status != EXIT_OK ? x->out.error : NULL);
}

/*
 * The members the deployment options add to a transfer's object: with
 * --retry the connects begun ("attempts"), with --checksum the digest of
 * what was sent ("sha256", null unless every byte went out).
 */
static void
json_deploy(FILE *out, const struct options *o, const struct xfer *x)
{
	if (o->retry_set)
		fprintf(out, ",\"attempts\":%d", x->conn.retry.attempts);
	if (o->checksum && !o->multi) {
		fputs(",\"sha256\":", out);
		json_string(out, x->prog.phase == XFER_DONE ? checksum_hex() :
		    NULL);
	}
}

/*
 * The whole outcome as one JSON object on one line. With one destination
 * (and no --to) its members stand at the top; with --to they are in a
 * "destinations" array. n may be 0 when the run failed before any transfer
 * began: error is then the failure message.
 */
void
report_json(FILE *out, const struct options *o, struct xfer *const *xs,
    size_t n, int status, const char *error)
{
	uint64_t	count = n > 0 ? xs[0]->in.len : o->count;
	size_t		i;

	fputs("{\"file\":", out);
	json_string(out, o->path);
	fprintf(out, ",\"offset\":%ju,\"count\":", (uintmax_t)o->offset);
	if (count != COUNT_TO_EOF)
		fprintf(out, "%ju", (uintmax_t)count);
	else
		fputs("null", out);
	if (n == 1 && !o->multi) {
		fputc(',', out);
		json_xfer(out, xs[0]);
		json_deploy(out, o, xs[0]);
		fputs("}\n", out);
		fflush(out);
		return;
	}
	if (n == 0) {
		fputs(",\"host\":", out);
		json_string(out, o->host);
		fputs(",\"port\":", out);
		json_string(out, o->port);
	}
	fprintf(out, ",\"status\":%d,\"error\":", status);
	json_string(out, error);
	if (o->checksum) {
		fputs(",\"sha256\":", out);
		json_string(out, checksum_hex());
	}
	if (o->multi) {
		fputs(",\"destinations\":[", out);
		for (i = 0; i < n; i++) {
			fputs(i > 0 ? ",{" : "{", out);
			json_xfer(out, xs[i]);
			json_deploy(out, o, xs[i]);
			fputc('}', out);
		}
		fputc(']', out);
	}
	fputs("}\n", out);
	fflush(out);
}
