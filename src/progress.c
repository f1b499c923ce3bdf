/*
 * What zcsend tells the user: the progress line (redrawn on a terminal, or
 * one plain line a second for logs), the final summary, and --json. It only
 * reads a transfer's counters; it never touches the data fds.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zcsend.h"

#define TTY_INTERVAL_NS		100000000	/* at most 10 redraws a second */
#define PLAIN_INTERVAL_NS	1000000000

static void	progress_line(char *, size_t, const struct xfer *, int64_t,
		    int64_t);
static void	json_string(FILE *, const char *);
static const char *errno_name(int);

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

static void
progress_line(char *buf, size_t size, const struct xfer *x, int64_t start_ns,
    int64_t now_ns)
{
	uint64_t	done = xfer_bytes_done(x), total = xfer_bytes_total(x);
	double		secs = (double)(now_ns - start_ns) / 1e9, rate;
	char		rate_s[32];
	long		eta;

	rate = secs > 0 ? (double)done / secs : 0.0;
	format_size(rate_s, sizeof(rate_s), rate);
	if (total == COUNT_TO_EOF) {
		snprintf(buf, size, "%ju bytes, %s/s", (uintmax_t)done, rate_s);
		return;
	}
	if (rate > 0)
		eta = (long)((double)(total - done) / rate + 0.5);
	else
		eta = 0;
	snprintf(buf, size, "%ju of %ju bytes (%d%%), %s/s, ETA %ld:%02ld",
	    (uintmax_t)done, (uintmax_t)total,
	    total == 0 ? 100 : (int)((double)done * 100.0 / (double)total),
	    rate_s, eta / 60, eta % 60);
}

/* Redraw if one is due; catch up rather than burst after a stall. */
void
progress_update(struct progress *p, const struct xfer *x, int64_t now_ns)
{
	char	line[160];
	int64_t	interval;

	if (p->mode == PROGRESS_NONE || now_ns < p->next_ns)
		return;
	interval = p->mode == PROGRESS_TTY ? TTY_INTERVAL_NS :
	    PLAIN_INTERVAL_NS;
	p->next_ns += interval;
	if (p->next_ns <= now_ns)
		p->next_ns = now_ns + interval;
	progress_line(line, sizeof(line), x, p->start_ns, now_ns);
	if (p->mode == PROGRESS_TTY) {
		fprintf(p->out, "\r%s: %s\033[K", getprogname(), line);
		p->drawn = 1;
	} else
		fprintf(p->out, "%s: %s\n", getprogname(), line);
	fflush(p->out);
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
}

/* The final line of a successful transfer. */
void
progress_summary(const struct progress *p, const struct xfer *x,
    int64_t end_ns)
{
	double	secs = (double)(end_ns - x->start_ns) / 1e9;
	char	rate[32];

	format_size(rate, sizeof(rate),
	    secs > 0 ? (double)xfer_bytes_done(x) / secs : 0.0);
	fprintf(p->out, "%s: sent %ju bytes in %.3f s (%s/s) via %s",
	    getprogname(), (uintmax_t)xfer_bytes_done(x), secs, rate,
	    x->backend->name);
	if (x->fallback_errno != 0)
		fprintf(p->out, " (sendfile refused: %s)",
		    strerror(x->fallback_errno));
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

/*
 * The whole outcome as one JSON object on one line. x may be NULL when the
 * run failed before a transfer began; error is then the failure message.
 */
void
report_json(FILE *out, const struct options *o, const struct xfer *x,
    int status, const char *error)
{
	uint64_t	bytes = 0, file_bytes = 0;
	double		secs = 0.0;

	if (x != NULL) {
		bytes = xfer_bytes_done(x);
		file_bytes = x->file_done;
		secs = (double)((x->end_ns != 0 ? x->end_ns : loop_now_ns()) -
		    x->start_ns) / 1e9;
	}
	fputs("{\"host\":", out);
	json_string(out, o->host);
	fputs(",\"port\":", out);
	json_string(out, o->port);
	fputs(",\"file\":", out);
	json_string(out, o->path);
	fprintf(out, ",\"offset\":%ju,\"count\":", (uintmax_t)o->offset);
	if (x != NULL && x->file_len != COUNT_TO_EOF)
		fprintf(out, "%ju", (uintmax_t)x->file_len);
	else if (x == NULL && o->count != COUNT_TO_EOF)
		fprintf(out, "%ju", (uintmax_t)o->count);
	else
		fputs("null", out);
	fprintf(out, ",\"bytes\":%ju,\"file_bytes\":%ju,\"seconds\":%.6f,"
	    "\"rate\":%.1f,\"backend\":", (uintmax_t)bytes,
	    (uintmax_t)file_bytes, secs, secs > 0 ? (double)bytes / secs : 0.0);
	json_string(out, x != NULL ? x->backend->name : NULL);
	fputs(",\"fallback_errno\":", out);
	json_string(out, x != NULL && x->fallback_errno != 0 ?
	    errno_name(x->fallback_errno) : NULL);
	fprintf(out, ",\"status\":%d,\"error\":", status);
	json_string(out, error);
	fputs("}\n", out);
	fflush(out);
}
