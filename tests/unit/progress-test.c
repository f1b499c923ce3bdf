/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of what the progress line shows (src/progress.c, with
 * format_size from src/note.c): sizes and durations as text, the whole
 * line, and which fields a narrow terminal drops, in which order. The
 * line goes to a temporary file; with no window size there, COLUMNS sets
 * the width. The transfers are real struct xfer, read through the
 * engine's accessors, at chosen counts and times.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"
/* Real transfers whose fields the test sets: it needs their layout. */
#include "xfer-state.h"
#include "tap.h"

#define SEC		INT64_C(1000000000)
#define T0		(INT64_C(100) * SEC)
#define MIB		(UINT64_C(1) << 20)
#define GIB		(UINT64_C(1) << 30)

/* A terminal width (COLUMNS) and the line expected there. */
struct width_case {
	const char	*cols;
	const char	*want;
};

static struct xfer_params	par;
static struct xfer		xs[3];
static struct xfer		*xp[3] = { &xs[0], &xs[1], &xs[2] };
static char			line[2048];

static int	pt_size(void);
static int	pt_hms(void);
static int	pt_full(void);
static int	pt_drop_one(void);
static int	pt_drop_many(void);
static int	pt_plain(void);
static int	pt_stalled(void);
static int	check_widths(const struct width_case *, size_t, size_t);
static void	set_xfer(size_t, uint64_t, uint64_t, const char *);
static const char *show(enum progress_mode, size_t, const char *,
		    const int64_t *, size_t);

/* report-json.c reads the digest; these tests have none. */
const char *
checksum_hex(void)
{
	return NULL;
}

/* Transfer i: done of total bytes (COUNT_TO_EOF: until EOF), to peer. */
static void
set_xfer(size_t i, uint64_t done, uint64_t total, const char *peer)
{
	memset(&xs[i], 0, sizeof(xs[i]));
	xs[i].par = &par;
	xs[i].conn.sock = -1;
	xs[i].conn.peer = peer;
	xs[i].prog.phase = XFER_SEND;
	xs[i].prog.file_len = total;
	xs[i].prog.file_done = done;
}

/*
 * The last line drawn for the first n transfers, after one redraw at each
 * of the times given (ns after the start), COLUMNS cols: what follows the
 * last carriage return, or the last line in plain mode.
 */
static const char *
show(enum progress_mode mode, size_t n, const char *cols, const int64_t *at,
    size_t nat)
{
	struct progress	 p;
	FILE		*f;
	size_t		 len, i;
	char		*s;

	if (setenv("COLUMNS", cols, 1) == -1 || (f = tmpfile()) == NULL)
		return "(setup failed)";
	progress_start(&p, mode, 1, T0);
	p.out = f;
	for (i = 0; i < nat; i++)
		progress_ops.update(&p, xp, n, T0 + at[i]);
	rewind(f);
	len = fread(line, 1, sizeof(line) - 1, f);
	line[len] = '\0';
	fclose(f);
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if ((s = strrchr(line, mode == PROGRESS_TTY ? '\r' : '\n')) != NULL)
		return s + 1;
	return line;
}

/*
 * The line of the first n transfers at each width of t, drawn 4 s after
 * the start: TAP_PASS if every one is as expected.
 */
static int
check_widths(const struct width_case *t, size_t nt, size_t n)
{
	static const int64_t	at[] = { 4 * SEC };
	const char		*s;
	size_t			 i;

	for (i = 0; i < nt; i++) {
		s = show(PROGRESS_TTY, n, t[i].cols, at, 1);
		if (strcmp(s, t[i].want) != 0)
			return tap_fail("COLUMNS=%s: \"%s\", not \"%s\"",
			    t[i].cols, s, t[i].want);
	}
	return TAP_PASS;
}

/* Bytes in powers of 1024, one decimal above a byte. */
static int
pt_size(void)
{
	static const struct {
		double		 value;
		const char	*want;
	} t[] = {
		{ 0, "0 B" }, { 1, "1 B" }, { 1023, "1023 B" },
		{ 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 1023.9 * 1024, "1023.9 KiB" },
		{ 1048575, "1.0 MiB" },	/* 1023.999 KiB rounds up a unit */
		{ 85.3 * 1048576, "85.3 MiB" },
		{ 1073741824.0, "1.0 GiB" }, { 1099511627776.0, "1.0 TiB" },
		{ 1125899906842624.0, "1.0 PiB" },
		{ 2048 * 1125899906842624.0, "2048.0 PiB" },	/* no EiB */
	};
	char	buf[32];
	size_t	i;

	for (i = 0; i < TAP_COUNT(t); i++) {
		format_size(buf, sizeof(buf), t[i].value);
		if (strcmp(buf, t[i].want) != 0)
			return tap_fail("format_size(%.1f): \"%s\", not \"%s\"",
			    t[i].value, buf, t[i].want);
	}
	format_size(buf, 5, 1536);	/* cut, never overrun */
	CHECK(strcmp(buf, "1.5 ") == 0);
	return TAP_PASS;
}

/* Durations as H:MM:SS, rounded to the second. */
static int
pt_hms(void)
{
	char	buf[32];

	format_hms(buf, sizeof(buf), 0);
	CHECK(strcmp(buf, "0:00:00") == 0);
	format_hms(buf, sizeof(buf), -5);
	CHECK(strcmp(buf, "0:00:00") == 0);
	format_hms(buf, sizeof(buf), 59.4);
	CHECK(strcmp(buf, "0:00:59") == 0);
	format_hms(buf, sizeof(buf), 59.5);
	CHECK(strcmp(buf, "0:01:00") == 0);
	format_hms(buf, sizeof(buf), 3661);
	CHECK(strcmp(buf, "1:01:01") == 0);
	format_hms(buf, sizeof(buf), 360000);
	CHECK(strcmp(buf, "100:00:00") == 0);
	return TAP_PASS;
}

/* 50 MiB of 1 GiB in 4 s: 12.5 MiB/s, 974 MiB to go in 78 s. */
static int
pt_full(void)
{
	static const int64_t	at[] = { 4 * SEC };
	const char		*s;

	set_xfer(0, 50 * MIB, GIB, "h port 1");
	s = show(PROGRESS_TTY, 1, "200", at, 1);
	if (strcmp(s, "zcsend: 50.0 MiB of 1.0 GiB (4%), 0:00:04, "
	    "12.5 MiB/s, ETA 0:01:18") != 0)
		return tap_fail("got \"%s\"", s);
	return TAP_PASS;
}

/*
 * One transfer, narrower and narrower: the elapsed time goes first, then
 * the total, the ETA, the percentage and the rate; the bytes done stay,
 * cut to the terminal at the last. A line fits in one column less than
 * the width: each pair of rows is the last width that holds a field and
 * the first that drops it.
 */
static int
pt_drop_one(void)
{
	static const struct width_case	t[] = {
		{ "67", "zcsend: 50.0 MiB of 1.0 GiB (4%), 0:00:04, "
		    "12.5 MiB/s, ETA 0:01:18" },
		{ "66", "zcsend: 50.0 MiB of 1.0 GiB (4%), 12.5 MiB/s, "
		    "ETA 0:01:18" },
		{ "58", "zcsend: 50.0 MiB of 1.0 GiB (4%), 12.5 MiB/s, "
		    "ETA 0:01:18" },
		{ "57", "zcsend: 50.0 MiB (4%), 12.5 MiB/s, ETA 0:01:18" },
		{ "47", "zcsend: 50.0 MiB (4%), 12.5 MiB/s, ETA 0:01:18" },
		{ "46", "zcsend: 50.0 MiB (4%), 12.5 MiB/s" },
		{ "34", "zcsend: 50.0 MiB (4%), 12.5 MiB/s" },
		{ "33", "zcsend: 50.0 MiB, 12.5 MiB/s" },
		{ "29", "zcsend: 50.0 MiB, 12.5 MiB/s" },
		{ "28", "zcsend: 50.0 MiB" },
		{ "17", "zcsend: 50.0 MiB" },
		{ "16", "zcsend: 50.0 Mi" },
		{ "12", "zcsend: 50." },
	};

	set_xfer(0, 50 * MIB, GIB, "h port 1");
	return check_widths(t, TAP_COUNT(t), 1);
}

/*
 * Three receivers: the slowest one goes first, then the elapsed time,
 * the receiver count, and the rest as with one.
 */
static int
pt_drop_many(void)
{
	static const struct width_case	t[] = {
		{ "108", "zcsend: 3 receivers: 60.0 MiB of 300.0 MiB (20%), "
		    "0:00:04, 15.0 MiB/s, ETA 0:00:16; slowest b port 2 at 10%" },
		{ "107", "zcsend: 3 receivers: 60.0 MiB of 300.0 MiB (20%), "
		    "0:00:04, 15.0 MiB/s, ETA 0:00:16" },
		{ "83", "zcsend: 3 receivers: 60.0 MiB of 300.0 MiB (20%), "
		    "0:00:04, 15.0 MiB/s, ETA 0:00:16" },
		{ "82", "zcsend: 3 receivers: 60.0 MiB of 300.0 MiB (20%), "
		    "15.0 MiB/s, ETA 0:00:16" },
		{ "73", "zcsend: 60.0 MiB of 300.0 MiB (20%), 15.0 MiB/s, "
		    "ETA 0:00:16" },
		{ "60", "zcsend: 60.0 MiB (20%), 15.0 MiB/s, ETA 0:00:16" },
	};

	set_xfer(0, 20 * MIB, 100 * MIB, "a port 1");
	set_xfer(1, 10 * MIB, 100 * MIB, "b port 2");
	set_xfer(2, 30 * MIB, 100 * MIB, "c port 3");
	return check_widths(t, TAP_COUNT(t), 3);
}

/* Lines for logs count bytes exactly and drop nothing, however narrow. */
static int
pt_plain(void)
{
	static const int64_t	at[] = { 4 * SEC };
	const char		*s;

	set_xfer(0, 50 * MIB, GIB, "h port 1");
	s = show(PROGRESS_PLAIN, 1, "20", at, 1);
	if (strcmp(s, "zcsend: 52428800 of 1073741824 bytes (4%), 0:00:04, "
	    "12.5 MiB/s, ETA 0:01:18") != 0)
		return tap_fail("got \"%s\"", s);
	set_xfer(0, 50 * MIB, COUNT_TO_EOF, "h port 1");
	s = show(PROGRESS_PLAIN, 1, "20", at, 1);
	if (strcmp(s, "zcsend: 52428800 bytes, 0:00:04, 12.5 MiB/s") != 0)
		return tap_fail("until EOF: got \"%s\"", s);
	return TAP_PASS;
}

/*
 * Two seconds without a byte: "stalled", and no ETA. With TERM unset the
 * shorter line is padded over the longer one before it.
 */
static int
pt_stalled(void)
{
	static const int64_t	at[] = { 4 * SEC, 6 * SEC };
	const char		*s;

	set_xfer(0, 50 * MIB, GIB, "h port 1");
	s = show(PROGRESS_TTY, 1, "200", at, 2);
	if (strcmp(s, "zcsend: 50.0 MiB of 1.0 GiB (4%), 0:00:06, stalled, "
	    "ETA -:--:--   ") != 0)
		return tap_fail("got \"%s\"", s);
	return TAP_PASS;
}

int
main(void)
{
	static const struct tap_test tests[] = {
		{ "format_size: powers of 1024", pt_size },
		{ "format_hms: H:MM:SS", pt_hms },
		{ "the whole progress line", pt_full },
		{ "one transfer: which fields a narrow terminal drops",
		    pt_drop_one },
		{ "several: the slowest and the count go early",
		    pt_drop_many },
		{ "plain lines: exact counts, nothing dropped", pt_plain },
		{ "stalled: no rate, no ETA", pt_stalled },
	};

	setprogname("zcsend");
	if (unsetenv("TERM") == -1)
		return 1;
	return tap_run(tests, TAP_COUNT(tests));
}
