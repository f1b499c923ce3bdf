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
#include <unistd.h>

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
static size_t	utf8_len(const unsigned char *);
static void	json_unstarted(FILE *, const char *, const char *, int,
		    const char *);
static void	json_flush(FILE *);
static const char *errno_name(int);
static int	msg_stdout_check(int);
static void	msg_atexit(void);

/* The exit status on its way, and standard output's first write error. */
static int	msg_status;
static int	stdout_errno;
static int	stdout_checked;

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
	msg_status = status;
	exit(status);
}

/*
 * Standard output failed (a full disk, a closed descriptor): then a result
 * was lost, which is not a success. Says so once and returns 74 for status
 * 0; another failure keeps its own status.
 */
static int
msg_stdout_check(int status)
{
	if (stdout_checked++)
		return status;
	if (fflush(stdout) == EOF && stdout_errno == 0)
		stdout_errno = errno;
	if (!ferror(stdout) && stdout_errno == 0)
		return status;
	msg_warnx("stdout: %s", strerror(stdout_errno != 0 ? stdout_errno :
	    EIO));
	return status != EXIT_OK ? status : EXIT_IOERR;
}

/* At exit(3) from anywhere (-h, -V, msg_exit): check standard output. */
static void
msg_atexit(void)
{
	int	status = msg_stdout_check(msg_status);

	if (status != msg_status)
		_exit(status);
}

/* Check standard output at every exit; call first thing. */
int
msg_init(void)
{
	return atexit(msg_atexit) == 0 ? 0 : -1;
}

/*
 * The status to exit with at the end of a run: status, or 74 if standard
 * output could not be written (see msg_stdout_check).
 */
int
msg_end(int status)
{
	msg_status = msg_stdout_check(status);
	return msg_status;
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
	fprintf(p->out, "%s: %s%ssent %ju byte%s in %.3f s (%s/s) via %s",
	    getprogname(), with_peer ? x->conn.peer : "",
	    with_peer ? ": " : "", (uintmax_t)xfer_bytes_done(x),
	    xfer_bytes_done(x) == 1 ? "" : "s", secs, rate,
	    x->be.backend->name);
	if (x->be.fallback_errno != 0)
		fprintf(p->out, " (%s refused: %s)", x->be.fallback_from,
		    strerror(x->be.fallback_errno));
	fputc('\n', p->out);
}

/*
 * The length of the UTF-8 sequence at s (1 to 4 bytes), or 0 where the
 * bytes are not one: a stray or cut-short sequence, an overlong form, a
 * surrogate, or a code point above U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t	cp;
	size_t		len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fU;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0fU;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07U;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the NUL at the end, too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3fU);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * s as a JSON string, or null: always valid UTF-8, whatever bytes s holds
 * (a file name is any bytes): each byte that is not part of a UTF-8
 * sequence becomes U+FFFD.
 */
void
json_string(FILE *out, const char *s)
{
	const unsigned char	*u;
	size_t			 len;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (u = (const unsigned char *)s; *u != '\0'; u += len) {
		if ((len = utf8_len(u)) == 0) {
			fputs("\\ufffd", out);
			len = 1;
		} else if (*u == '"' || *u == '\\')
			fprintf(out, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f)
			fprintf(out, "\\u%04x", *u);
		else
			fwrite(u, 1, len, out);
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
	/* A transfer that never had a connection used no backend. */
	json_string(out, x->prog.phase == XFER_FAILED && x->conn.sock == -1 ?
	    NULL : x->be.backend->name);
	fputs(",\"fallback_errno\":", out);
	json_string(out, x->be.fallback_errno != 0 ?
	    errno_name(x->be.fallback_errno) : NULL);
	fprintf(out, ",\"status\":%d,\"error\":", status);
	json_string(out, status != EXIT_OK ? x->out.error : NULL);
}

/*
 * The members of a transfer that never began (the run failed first), to
 * host and port: nothing sent, and the run's status and error.
 */
static void
json_unstarted(FILE *out, const char *host, const char *port, int status,
    const char *error)
{
	fputs("\"host\":", out);
	json_string(out, host);
	fputs(",\"port\":", out);
	json_string(out, port);
	fprintf(out, ",\"bytes\":0,\"file_bytes\":0,\"seconds\":0,"
	    "\"rate\":0,\"backend\":null,\"fallback_errno\":null,"
	    "\"status\":%d,\"error\":", status);
	json_string(out, error);
}

/* End a line of JSON: it is out at once, and a failure is remembered. */
static void
json_flush(FILE *out)
{
	fputs("}\n", out);
	if (fflush(out) == EOF && out == stdout && stdout_errno == 0)
		stdout_errno = errno;
}

/*
 * The whole outcome as one JSON object on one line. With one destination
 * (and no --to) its members stand at the top; with --to they are in a
 * "destinations" array, one entry for each --to. n is 0 when the run
 * failed before any transfer began: status and error then tell why, for
 * the run and for each destination, and host and port come from o.
 */
void
report_json(FILE *out, const struct options *o, struct xfer *const *xs,
    size_t n, int status, const char *error)
{
	uint64_t	 count = n > 0 ? xs[0]->in.len : o->count;
	const char	*host, *port;
	size_t		 i;

	fputs("{\"file\":", out);
	json_string(out, o->path);
	fprintf(out, ",\"offset\":%ju,\"count\":", (uintmax_t)o->offset);
	if (count != COUNT_TO_EOF)
		fprintf(out, "%ju", (uintmax_t)count);
	else
		fputs("null", out);
	fputc(',', out);
	if (!o->multi) {
		if (n > 0)
			json_xfer(out, xs[0]);
		else {
			host = o->unix_socket ? o->unix_path : o->listen ?
			    o->listen_addr : o->host;
			port = o->unix_socket ? NULL : o->listen ?
			    o->listen_port : o->port;
			json_unstarted(out, host, port, status, error);
		}
		json_flush(out);
		return;
	}
	fprintf(out, "\"status\":%d,\"error\":", status);
	json_string(out, error);
	fputs(",\"destinations\":[", out);
	for (i = 0; i < (n > 0 ? n : o->ndests); i++) {
		fputs(i > 0 ? ",{" : "{", out);
		if (n > 0)
			json_xfer(out, xs[i]);
		else
			json_unstarted(out, o->dests[i].host,
			    o->dests[i].port, status, error);
		fputc('}', out);
	}
	fputc(']', out);
	json_flush(out);
}

/*
 * Listen mode's first line of --json, as soon as it listens: the address
 * and port bound (port NULL: a Unix socket, host its path).
 */
void
report_json_listening(FILE *out, const char *host, const char *port)
{
	fputs("{\"listening\":{\"host\":", out);
	json_string(out, host);
	fputs(",\"port\":", out);
	json_string(out, port);
	fputc('}', out);
	json_flush(out);
}
