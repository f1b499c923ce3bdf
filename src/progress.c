/* SPDX-License-Identifier: ISC */
/*
 * What zcsend tells the user: the progress line (redrawn on a terminal, or
 * one plain line a second for logs), the final summary, and the exit path
 * (msg_exit, msg_end), which hands a failure to the --json report
 * (report-json.c) with the options it is given. Every message goes through
 * msg.c's msg_warnx, which this file hooks so that a progress line on the
 * terminal is cleared first (as pv's pv_error does) and no message lands
 * inside one. It only reads a transfer's counters; it never touches the
 * data fds. The loop reaches it through progress_ops, so the engine, and
 * libzcsend, carry none of it.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "zcsend.h"

#define TTY_INTERVAL_NS		100000000	/* at most 10 redraws a second */
#define PLAIN_INTERVAL_NS	1000000000
#define SAMPLE_NS		250000000	/* a rate sample at most this often */
#define RATE_WINDOW_NS		5000000000LL	/* the current rate: over this */
#define STALL_NS		2000000000LL	/* nothing moved: "stalled" */
#define DEFAULT_COLUMNS		80

/* One part of the progress line, and how soon it goes when space is short. */
struct progress_field {
	const char	*sep;		/* before it, unless it comes first */
	char		 text[1200];
	int		 prio;		/* 0: always shown */
};

/* The parts of the progress line, in the order they are shown. */
enum {
	F_COUNT,	/* "3 receivers:" */
	F_DONE,		/* "85.3 MiB" */
	F_TOTAL,	/* "of 1.0 GiB" */
	F_PERCENT,	/* "(8%)" */
	F_ELAPSED,	/* "0:00:12" */
	F_RATE,		/* "12.5 MiB/s", or "stalled" */
	F_ETA,		/* "ETA 0:01:10" */
	F_SLOWEST,	/* "slowest HOST port PORT at 40%" */
	PROGRESS_FIELDS
};

/* What a narrow terminal loses first: the highest number. */
static const int field_prio[PROGRESS_FIELDS] = {
	[F_COUNT] = 5, [F_DONE] = 0, [F_TOTAL] = 4, [F_PERCENT] = 2,
	[F_ELAPSED] = 6, [F_RATE] = 1, [F_ETA] = 3, [F_SLOWEST] = 7
};

static void	progress_join(char *, size_t, const struct progress_field *,
		    size_t, size_t);
static void	progress_line(struct progress *, char *, size_t,
		    struct xfer *const *, size_t, int64_t, size_t);
static double	progress_rate(struct progress *, uint64_t, int64_t);
static size_t	progress_columns(const struct progress *);
static void	progress_draw(struct progress *, const char *, size_t);
static int	progress_due_ms(const struct progress *, int64_t);
static void	progress_update(struct progress *, struct xfer *const *, size_t,
		    int64_t);
static void	progress_unshow(void);

/* The progress whose line is on the terminal now, if any. */
static struct progress	*progress_drawn;
static int	msg_stdout_check(int);
static void	msg_atexit(void);

/* The exit status on its way, and standard output's first write error. */
static int	msg_status;
static int	stdout_errno;
static int	stdout_checked;

/* A duration as H:MM:SS, as pv shows elapsed time and ETA: "0:01:10". */
void
format_hms(char *buf, size_t size, double secs)
{
	long	s;

	s = secs > 0 ? (long)(secs + 0.5) : 0;
	snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

/*
 * Resolve the mode (auto: the redrawn line on a terminal, else nothing) and
 * start the clock. The redrawn line uses the erase-line escape unless TERM
 * is unset or "dumb"; then it is padded with blanks instead.
 */
void
progress_start(struct progress *p, enum progress_mode mode, int tty,
    int64_t now_ns)
{
	const char	*term = getenv("TERM"), *cols = getenv("COLUMNS");
	const char	*errstr;

	memset(p, 0, sizeof(*p));
	/* strtonum gives 0, below its minimum, for a bad one: as if unset. */
	if (cols != NULL)
		p->env_columns = (size_t)strtonum(cols, 1, 100000, &errstr);
	if (mode == PROGRESS_AUTO)
		mode = tty ? PROGRESS_TTY : PROGRESS_NONE;
	p->mode = mode;
	p->out = stderr;
	p->escapes = term != NULL && *term != '\0' && strcmp(term, "dumb") != 0;
	p->start_ns = p->moved_ns = now_ns;
	p->ring[0].ns = now_ns;
	p->nsamples = 1;
	p->next_ns = now_ns + (mode == PROGRESS_TTY ? TTY_INTERVAL_NS :
	    PLAIN_INTERVAL_NS);
}

/* How the loop redraws a progress display it is handed. */
const struct progress_ops progress_ops = {
	.due_ms = progress_due_ms,
	.update = progress_update
};

/* Milliseconds until the next redraw is due, or -1 if there is none. */
static int
progress_due_ms(const struct progress *p, int64_t now_ns)
{
	if (p->mode == PROGRESS_NONE)
		return -1;
	if (p->next_ns <= now_ns)
		return 0;
	return (int)((p->next_ns - now_ns + 999999) / 1000000);
}

/*
 * The current rate: bytes a second over the last RATE_WINDOW_NS (or the
 * time since the start, if shorter), from a ring of samples that sent, the
 * bytes sent so far, joins.
 */
static double
progress_rate(struct progress *p, uint64_t sent, int64_t now_ns)
{
	const struct progress_sample	*s, *newest;
	size_t				 i;

	newest = &p->ring[(p->head + p->nsamples - 1) % PROGRESS_SAMPLES];
	if (now_ns - newest->ns >= SAMPLE_NS) {
		if (p->nsamples == PROGRESS_SAMPLES)
			p->head = (p->head + 1) % PROGRESS_SAMPLES;
		else
			p->nsamples++;
		p->ring[(p->head + p->nsamples - 1) % PROGRESS_SAMPLES] =
		    (struct progress_sample){ now_ns, sent };
	}
	/* The oldest sample in the window, else the newest one before now. */
	for (i = 0; i < p->nsamples; i++) {
		s = &p->ring[(p->head + i) % PROGRESS_SAMPLES];
		if (now_ns - s->ns <= RATE_WINDOW_NS && s->ns < now_ns)
			break;
	}
	if (i == p->nsamples)
		return 0.0;
	if (sent < s->sent)
		return 0.0;
	return (double)(sent - s->sent) / ((double)(now_ns - s->ns) / 1e9);
}

/*
 * Join the fields of a progress line into buf, in order, each after its
 * separator (but the first shown), dropping the least important ones
 * (highest prio) until the line is at most width bytes; prio 0 stays.
 */
static void
progress_join(char *buf, size_t size, const struct progress_field *f,
    size_t nf, size_t width)
{
	int	on[PROGRESS_FIELDS];
	size_t	i, len, worst, first;

	for (i = 0; i < nf; i++)
		on[i] = f[i].text[0] != '\0';
	for (;;) {
		len = 0;
		first = 1;
		for (i = 0; i < nf; i++) {
			if (!on[i])
				continue;
			len += (first ? 0 : strlen(f[i].sep)) + strlen(f[i].text);
			first = 0;
		}
		worst = nf;
		for (i = 0; i < nf; i++)
			if (on[i] && f[i].prio > 0 &&
			    (worst == nf || f[i].prio > f[worst].prio))
				worst = i;
		if (len <= width || worst == nf)
			break;
		on[worst] = 0;
	}
	buf[0] = '\0';
	first = 1;
	for (i = 0; i < nf; i++) {
		if (!on[i])
			continue;
		if (!first)
			strlcat(buf, f[i].sep, size);
		strlcat(buf, f[i].text, size);
		first = 0;
	}
}

/*
 * The progress text for n transfers, at most width bytes where it can be:
 * their sum and, with several, the slowest one (the least done), which is
 * what holds the run up:
 * "85.3 MiB of 1.0 GiB (8%), 0:00:12, 12.5 MiB/s, ETA 0:01:10" on a
 * terminal; plain lines, for logs, count bytes exactly. The rate
 * is that of the last few seconds; after STALL_NS without a byte moving it
 * reads "stalled". A narrow terminal loses the slowest one, the elapsed
 * time, the receiver count, the total, the ETA and the percentage, in that
 * order (field_prio).
 */
static void
progress_line(struct progress *p, char *buf, size_t size,
    struct xfer *const *xs, size_t n, int64_t now_ns, size_t width)
{
	struct progress_field	 f[PROGRESS_FIELDS];
	uint64_t		 done = 0, total = 0, sent = 0, d, t;
	double			 rate, slowest = 2.0, frac;
	const char		*slow_peer = NULL;
	char			 total_s[32], eta_s[32];
	size_t			 i;
	int			 stalled;

	for (i = 0; i < n; i++) {
		d = xfer_bytes_done(xs[i]);
		sent += d;
		if (xfer_phase(xs[i]) == XFER_FAILED)
			continue;	/* its bytes will never all come */
		t = xfer_bytes_total(xs[i]);
		done += d;
		if (total != COUNT_TO_EOF)
			total = t == COUNT_TO_EOF ? COUNT_TO_EOF : total + t;
		frac = t == COUNT_TO_EOF || t == 0 ? 0.0 :
		    (double)d / (double)t;
		if (frac < slowest) {
			slowest = frac;
			slow_peer = xfer_peer(xs[i]);
		}
	}
	rate = progress_rate(p, sent, now_ns);
	stalled = now_ns - p->moved_ns >= STALL_NS &&
	    (total == COUNT_TO_EOF || done < total);
	/* Only text[0]: progress_join reads no text past its NUL. */
	for (i = 0; i < PROGRESS_FIELDS; i++) {
		f[i].sep = ", ";
		f[i].text[0] = '\0';
		f[i].prio = field_prio[i];
	}
	f[F_DONE].sep = f[F_TOTAL].sep = f[F_PERCENT].sep = " ";
	f[F_SLOWEST].sep = "; ";

	if (n > 1)
		snprintf(f[F_COUNT].text, sizeof(f[F_COUNT].text),
		    "%zu receivers:", n);
	if (p->mode == PROGRESS_TTY)
		format_size(f[F_DONE].text, sizeof(f[F_DONE].text),
		    (double)done);
	else		/* logs get exact counts, as messages give them */
		snprintf(f[F_DONE].text, sizeof(f[F_DONE].text), "%ju%s",
		    (uintmax_t)done, total == COUNT_TO_EOF ? " bytes" : "");
	if (total != COUNT_TO_EOF) {
		if (p->mode == PROGRESS_TTY) {
			format_size(total_s, sizeof(total_s), (double)total);
			snprintf(f[F_TOTAL].text, sizeof(f[F_TOTAL].text),
			    "of %s", total_s);
		} else
			snprintf(f[F_TOTAL].text, sizeof(f[F_TOTAL].text),
			    "of %ju bytes", (uintmax_t)total);
		snprintf(f[F_PERCENT].text, sizeof(f[F_PERCENT].text),
		    "(%d%%)", total == 0 ? 100 :
		    (int)((double)done * 100.0 / (double)total));
	}
	format_hms(f[F_ELAPSED].text, sizeof(f[F_ELAPSED].text),
	    (double)(now_ns - p->start_ns) / 1e9);
	if (stalled)
		snprintf(f[F_RATE].text, sizeof(f[F_RATE].text), "stalled");
	else {
		format_size(f[F_RATE].text, sizeof(f[F_RATE].text) - 2, rate);
		strlcat(f[F_RATE].text, "/s", sizeof(f[F_RATE].text));
	}
	if (total != COUNT_TO_EOF) {
		if (done >= total)
			format_hms(eta_s, sizeof(eta_s), 0.0);
		else if (!stalled && rate > 0)
			format_hms(eta_s, sizeof(eta_s),
			    (double)(total - done) / rate);
		else
			snprintf(eta_s, sizeof(eta_s), "-:--:--");
		snprintf(f[F_ETA].text, sizeof(f[F_ETA].text), "ETA %s", eta_s);
	}
	if (n > 1 && slow_peer != NULL && total != COUNT_TO_EOF)
		snprintf(f[F_SLOWEST].text, sizeof(f[F_SLOWEST].text),
		    "slowest %s at %d%%", slow_peer, (int)(slowest * 100.0));
	progress_join(buf, size, f, PROGRESS_FIELDS, width);
}

/* Redraw if one is due; catch up rather than burst after a stall. */
static void
progress_update(struct progress *p, struct xfer *const *xs, size_t n,
    int64_t now_ns)
{
	char		line[1400];
	int64_t		interval;
	uint64_t	sent = 0;
	size_t		width = SIZE_MAX, cols = 0, i;

	if (p->mode == PROGRESS_NONE)
		return;
	/* Look at every turn of the loop: "stalled" counts from the last byte. */
	for (i = 0; i < n; i++)
		sent += xfer_bytes_done(xs[i]);
	if (sent != p->sent) {
		p->sent = sent;
		p->moved_ns = now_ns;
	}
	if (now_ns < p->next_ns)
		return;
	interval = p->mode == PROGRESS_TTY ? TTY_INTERVAL_NS :
	    PLAIN_INTERVAL_NS;
	p->next_ns += interval;
	if (p->next_ns <= now_ns)
		p->next_ns = now_ns + interval;
	if (p->mode == PROGRESS_TTY) {
		/* The line, after "zcsend: ", in one column less than the width. */
		cols = progress_columns(p);
		width = strlen(getprogname()) + 3 < cols ?
		    cols - strlen(getprogname()) - 3 : 0;
	}
	progress_line(p, line, sizeof(line), xs, n, now_ns, width);
	progress_draw(p, line, cols);
}

/*
 * The width of the terminal on the progress stream: its window size, else
 * COLUMNS (read at the start), else 80.
 */
static size_t
progress_columns(const struct progress *p)
{
#ifdef TIOCGWINSZ
	struct winsize	 ws;

	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
#endif
	return p->env_columns > 0 ? p->env_columns : DEFAULT_COLUMNS;
}

/*
 * Show line: redrawn in place on a terminal of cols columns (0: look it
 * up), cut to one column less so that it never wraps (a wrapped line
 * cannot be redrawn with a carriage return, and leaves stale lines
 * behind); else a line of its own, whole. One write(2) a redraw: standard
 * error is unbuffered, so each stdio call would be one.
 */
static void
progress_draw(struct progress *p, const char *line, size_t cols)
{
	char	text[1500], out[3 * sizeof(text)];
	size_t	len, pad = 0;

	if (p->mode == PROGRESS_NONE)
		return;
	snprintf(text, sizeof(text), "%s: %s", getprogname(), line);
	if (p->mode != PROGRESS_TTY) {
		fprintf(p->out, "%s\n", text);
		fflush(p->out);
		return;
	}
	len = strlen(text);
	if (cols == 0)
		cols = progress_columns(p);
	if (len > cols - 1) {
		len = cols - 1;
		/* Not in the middle of a UTF-8 character. */
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	/* Without escapes, blanks over what is left of a longer line. */
	if (!p->escapes && p->drawn && p->drawn_len > len)
		pad = p->drawn_len - len;
	snprintf(out, sizeof(out), "\r%.*s%s%*s", (int)len, text,
	    p->escapes ? "\033[K" : "", (int)pad, "");
	fputs(out, p->out);
	p->drawn_len = len;
	p->drawn = 1;
	progress_drawn = p;
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
	progress_draw(p, line, 0);
}

/* Erase a drawn terminal line, so what follows starts on a clean line. */
void
progress_clear(struct progress *p)
{
	if (p->drawn) {
		if (p->escapes)
			fputs("\r\033[K", p->out);
		else
			fprintf(p->out, "\r%*s\r", (int)p->drawn_len, "");
		fflush(p->out);
		p->drawn = 0;
		p->drawn_len = 0;
	}
	if (progress_drawn == p)
		progress_drawn = NULL;
}

/* msg_warnx's hook: clear the line on the terminal, if one is drawn. */
static void
progress_unshow(void)
{
	if (progress_drawn != NULL)
		progress_clear(progress_drawn);
}

/*
 * A failure that ends the run: the message, then with --json the outcome
 * as JSON (o may be NULL while the command line is still being read), with
 * the count of o->input_len once input_open has worked it out, then exit
 * with status.
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
		report_json_unstarted(stdout, o, o->input_len, status, msg);
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

/*
 * A write to standard output failed with err: the first such error is the
 * one msg_stdout_check tells, as stdio may not keep errno until then.
 */
void
msg_stdout_failed(int err)
{
	if (stdout_errno == 0)
		stdout_errno = err;
}

/* At exit(3) from anywhere (-h, -V, msg_exit): check standard output. */
static void
msg_atexit(void)
{
	int	status = msg_stdout_check(msg_status);

	if (status != msg_status)
		_exit(status);
}

/*
 * Clear a progress line before every message, and check standard output
 * at every exit; call first thing.
 */
int
msg_init(void)
{
	msg_hook(progress_unshow);
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
	double		 secs = xfer_elapsed(x, loop_now_ns());
	const char	*from;
	char		 rate[32];
	int		 ferr;

	format_size(rate, sizeof(rate),
	    secs > 0 ? (double)xfer_bytes_done(x) / secs : 0.0);
	fprintf(p->out, "%s: %s%ssent %ju byte%s in %.3f s (%s/s) via %s",
	    getprogname(), with_peer ? xfer_peer(x) : "",
	    with_peer ? ": " : "", (uintmax_t)xfer_bytes_done(x),
	    xfer_bytes_done(x) == 1 ? "" : "s", secs, rate,
	    xfer_backend_name(x));
	if ((ferr = xfer_fallback(x, &from)) != 0)
		fprintf(p->out, " (%s refused: %s)", from, strerror(ferr));
	fputc('\n', p->out);
}
