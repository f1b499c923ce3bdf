/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench's bar chart (GiB/s and CPU s/GiB per mode, fitted to the
 * terminal's width, in Unicode block characters when the locale's charset
 * is UTF-8, else in ASCII) and its --csv output, one row per run.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "bench.h"

#define CHART_NAME	16	/* the mode column */
#define CHART_VALUE	7	/* a figure after its bar */
#define CHART_MIN_BAR	4
#define CHART_MAX_WIDTH	240

static int	chart_width(void);
static void	chart_bar(FILE *, double, int, int);

/*
 * The columns to fit: the terminal's if stdout is one, else $COLUMNS,
 * else 80.
 */
static int
chart_width(void)
{
	struct winsize	 ws;
	const char	*env = getenv("COLUMNS"), *errstr;
	int		 w;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col < CHART_MAX_WIDTH ? ws.ws_col :
		    CHART_MAX_WIDTH;
	if (env != NULL) {
		w = (int)strtonum(env, 1, CHART_MAX_WIDTH, &errstr);
		if (errstr == NULL)
			return w;
	}
	return 80;
}

/*
 * A bar of fraction (0 to 1) of width cells, padded to width: full blocks
 * and an eighth-block for the rest in UTF-8, '#' cells in ASCII.
 */
static void
chart_bar(FILE *out, double fraction, int width, int utf8)
{
	int	eighths, i;

	if (fraction < 0)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	eighths = (int)(fraction * width * 8 + 0.5);
	if (!utf8)
		eighths = (eighths + 4) / 8 * 8;
	/* A figure above 0 shows, however small beside the largest. */
	if (fraction > 0 && eighths < (utf8 ? 1 : 8))
		eighths = utf8 ? 1 : 8;
	for (i = 0; i < eighths / 8; i++)
		fputs(utf8 ? "\xe2\x96\x88" : "#", out);	/* U+2588 */
	if (eighths % 8 != 0) {
		/* U+2589 (seven eighths) down to U+258F (one eighth). */
		fprintf(out, "\xe2\x96%c", 0x90 - eighths % 8);
		i++;
	}
	for (; i < width; i++)
		fputc(' ', out);
}

/*
 * Two bars per mode that ran: GiB/s (longer is faster) and CPU s/GiB
 * (shorter is cheaper), each scaled to the largest of the group.
 */
void
bench_chart(FILE *out, const struct bench_mode *modes, int nmodes)
{
	const char	*cs, *sep, *gl, *cl;
	double		 g, c, gmax = 0, cmax = 0;
	int		 i, bar, utf8;

	for (i = 0; i < nmodes; i++) {
		if (modes[i].unavailable[0] != '\0' || modes[i].runs == 0)
			continue;
		g = bench_median(modes[i].gibps, modes[i].runs);
		c = bench_median(modes[i].cpu_per_gib, modes[i].runs);
		gmax = g > gmax ? g : gmax;
		cmax = c > cmax ? c : cmax;
	}
	if (gmax <= 0)
		return;
	(void)setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
	sep = utf8 ? " \xe2\x94\x82 " : " | ";	/* U+2502 */
	/* name, bar, value, separator, bar, value */
	bar = (chart_width() - CHART_NAME - 2 * (CHART_VALUE + 1) - 3 - 1) / 2;
	if (bar < CHART_MIN_BAR)
		bar = CHART_MIN_BAR;
	/* Each label over its bar and figure: the long form where it fits. */
	gl = "GiB/s (longer: faster)";
	cl = "CPU s/GiB (shorter: cheaper)";
	if ((int)strlen(cl) > bar + CHART_VALUE + 1) {
		gl = "GiB/s";
		cl = "CPU s/GiB";
	}
	fprintf(out, "%-*s %-*s%s%s\n", CHART_NAME, "",
	    bar + CHART_VALUE + 1, gl, sep, cl);
	for (i = 0; i < nmodes; i++) {
		if (modes[i].unavailable[0] != '\0' || modes[i].runs == 0)
			continue;
		g = bench_median(modes[i].gibps, modes[i].runs);
		c = bench_median(modes[i].cpu_per_gib, modes[i].runs);
		fprintf(out, "%-*.*s ", CHART_NAME, CHART_NAME, modes[i].name);
		chart_bar(out, g / gmax, bar, utf8);
		fprintf(out, " %*.2f%s", CHART_VALUE, g, sep);
		chart_bar(out, cmax > 0 ? c / cmax : 0, bar, utf8);
		fprintf(out, " %*.3f\n", CHART_VALUE, c);
	}
}

/*
 * --csv: a header, then one row per run (the figures of that run), and
 * one row without figures for a mode that could not run.
 */
void
bench_csv(FILE *out, const struct bench_mode *modes, int nmodes)
{
	const struct bench_mode	*m;
	int			 i, k;

	fputs("size,cache,mode,block_size,run,gib_per_s,cpu_s_per_gib,"
	    "syscalls_per_gib,resident_pages_before,unavailable\n", out);
	for (i = 0; i < nmodes; i++) {
		m = &modes[i];
		if (m->unavailable[0] != '\0') {
			/* A reason holds no comma or quote: strerror texts. */
			fprintf(out, "%ju,%s,%s,,,,,,,\"%s\"\n",
			    (uintmax_t)m->size, m->cold ? "cold" : "warm",
			    m->name, m->unavailable);
			continue;
		}
		for (k = 0; k < m->runs; k++) {
			fprintf(out, "%ju,%s,%s,", (uintmax_t)m->size,
			    m->cold ? "cold" : "warm", m->name);
			if (m->mode == MODE_READWRITE)
				fprintf(out, "%zu", m->block_size);
			fprintf(out, ",%d,%.6g,%.6g,", k + 1, m->gibps[k],
			    m->cpu_per_gib[k]);
			/* zcrecv's system calls are not counted. */
			if (m->recv_mode == NULL)
				fprintf(out, "%.1f", m->calls_per_gib[k]);
			fputc(',', out);
			if (m->cold)
				fprintf(out, "%ju", (uintmax_t)m->resident);
			fputs(",\n", out);
		}
	}
}
