/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench's report: the medians and spreads of the runs, the table
 * of each group of rows (one size, warm or cold) and --json.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"
#include "bench.h"

static int	compare_doubles(const void *, const void *);
static void	json_figure(const char *, int, double, int);
static void	json_spread(const char *, const double *, int);

static int
compare_doubles(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(const double *values, int n)
{
	double	sorted[BENCH_MAX_ROUNDS];

	if (n == 0)
		return 0.0;
	memcpy(sorted, values, (size_t)n * sizeof(*values));
	qsort(sorted, (size_t)n, sizeof(*sorted), compare_doubles);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* The smallest (or with max, the largest) of n values; 0 for none. */
double
bench_spread(const double *values, int n, int max)
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

/*
 * The table of one group of rows (one size, warm or cold), its bar chart,
 * and after the last group the notes that hold for all. Ratios are to the
 * group's sendfile row.
 */
void
bench_table(const struct options *o, struct bench_mode *modes, int nmodes,
    int last, int embedded, const char *where)
{
	const struct bench_mode	*m;
	double	base_gibps = bench_median(modes[0].gibps, modes[0].runs);
	double	base_cpu = bench_median(modes[0].cpu_per_gib, modes[0].runs);
	double	base_calls = bench_median(modes[0].calls_per_gib,
		    modes[0].runs);
	double	g, c, s;
	char	size[32], rate[32];
	int	i;

	format_size(size, sizeof(size), (double)modes[0].size);
	printf("zcsend --bench: %s file%s, %d round%s, medians; receiver: "
	    "%s\n", size, o->bench_cache == BENCH_WARM ? "" : modes[0].cold ?
	    " (cold: its pages dropped before each run)" : " (warm)",
	    o->bench_rounds, o->bench_rounds == 1 ? "" : "s", where);
	if (o->rate > 0) {
		format_size(rate, sizeof(rate), (double)o->rate);
		printf("paced at %s/s: every mode moves bytes at the same "
		    "rate, so CPU s/GiB compares the work each path costs\n",
		    rate);
	} else if (o->bench_recv)
		printf("unpaced: the embedded sender runs flat out; CPU s/GiB "
		    "is zcrecv's (user+sys, process start included), GiB/s "
		    "until it has synced the file and exited\n");
	else
		printf("unpaced: each sender runs flat out, so GiB/s is bound "
		    "by the receiver and loopback and CPU s/GiB mixes work "
		    "with waiting (use --rate to compare at equal "
		    "throughput)\n");
	printf("%-16s %8s %7s %10s %7s %13s %7s\n", "mode", "GiB/s", "x",
	    "CPU s/GiB", "x", "syscalls/GiB", "x");
	for (i = 0; i < nmodes; i++) {
		m = &modes[i];
		if (m->unavailable[0] != '\0') {
			printf("%-16s unavailable: %s\n", m->name,
			    m->unavailable);
			continue;
		}
		if (m->runs == 0) {
			printf("%-16s failed: %s\n", m->name, m->last_error);
			continue;
		}
		g = bench_median(m->gibps, m->runs);
		c = bench_median(m->cpu_per_gib, m->runs);
		s = bench_median(m->calls_per_gib, m->runs);
		printf("%-16s %8.2f %7.2f %10.3f %7.2f", m->name, g,
		    base_gibps > 0 ? g / base_gibps : 0.0, c,
		    base_cpu > 0 ? c / base_cpu : 0.0);
		/* zcrecv's system calls are not counted. */
		if (m->recv_mode != NULL)
			printf(" %13s %7s", "-", "-");
		else
			printf(" %13.0f %7.2f", s, base_calls > 0 ?
			    s / base_calls : 0.0);
		if (m->failures > 0)
			printf("  (%d failed runs: %s)", m->failures,
			    m->last_error);
		if (m->skipped > 0)
			printf("  (%d run%s skipped: %s)", m->skipped,
			    m->skipped == 1 ? "" : "s", m->skip_reason);
		putchar('\n');
	}
	for (i = 0; i < nmodes && modes[i].runs == 0; i++)
		;
	if (modes[0].cold && i < nmodes)
		printf("cold: mincore found 0 resident pages before every "
		    "run counted\n");
	bench_chart(stdout, modes, nmodes);
	if (!last) {
		putchar('\n');
		return;
	}
	if (o->bench_recv) {
		printf("ratios (x) are to zcrecv splice; every run's stored "
		    "file was compared byte for byte with the file sent\n");
		return;
	}
	printf("ratios (x) are to sendfile; every run's byte count was "
	    "checked at the receiver%s\n", embedded ? "" :
	    " by its clean close");
	printf("historical, for context: pysendfile 2.0.1 on Linux 2.6.38 "
	    "measured sendfile 848.56 MB/s vs send() 362.13 MB/s (2.34x)\n");
}

/*
 * A figure in significant digits (a tiny file is slow), or with decimals
 * set in one decimal; null for a row without runs.
 */
static void
json_figure(const char *key, int decimals, double v, int runs)
{
	printf(",\"%s\":", key);
	if (runs == 0)
		printf("null");
	else if (decimals)
		printf("%.1f", v);
	else
		printf("%.6g", v);
}

/* key, key_min and key_max: the median and spread of n values. */
static void
json_spread(const char *key, const double *values, int n)
{
	char	name[64];

	json_figure(key, 0, bench_median(values, n), n);
	snprintf(name, sizeof(name), "%s_min", key);
	json_figure(name, 0, bench_spread(values, n, 0), n);
	snprintf(name, sizeof(name), "%s_max", key);
	json_figure(name, 0, bench_spread(values, n, 1), n);
}

void
bench_json(const struct options *o, struct bench_mode *modes, int nmodes,
    uint64_t len, int embedded, const char *where)
{
	const struct bench_mode	*m;
	int			 i;

	printf("{\"file_bytes\":%ju,\"rounds\":%d,\"rate\":%ju,"
	    "\"receiver\":", (uintmax_t)len, o->bench_rounds,
	    (uintmax_t)o->rate);
	json_string(stdout, where);	/* a host as given: any bytes */
	printf(",\"embedded\":%s,", embedded ? "true" : "false");
	if (o->bench_recv)
		printf("\"side\":\"receive\",");
	printf("\"modes\":[");
	for (i = 0; i < nmodes; i++) {
		m = &modes[i];
		printf("%s{\"mode\":\"%s\",\"block_size\":", i > 0 ? "," : "",
		    m->name);
		if (m->mode == MODE_READWRITE)
			printf("%zu", m->block_size);
		else
			printf("null");
		printf(",\"size\":%ju,\"cache\":\"%s\",\"unavailable\":",
		    (uintmax_t)m->size, m->cold ? "cold" : "warm");
		json_string(stdout, m->unavailable[0] != '\0' ?
		    m->unavailable : NULL);
		if (m->cold)
			printf(",\"resident_pages_before\":%ju",
			    (uintmax_t)m->resident);
		printf(",\"runs\":%d,\"failures\":%d", m->runs, m->failures);
		if (m->cold)
			printf(",\"skipped\":%d", m->skipped);
		json_spread("gib_per_s", m->gibps, m->runs);
		json_spread("cpu_s_per_gib", m->cpu_per_gib, m->runs);
		json_figure("syscalls_per_gib", 1,
		    bench_median(m->calls_per_gib, m->runs),
		    m->recv_mode != NULL ? 0 : m->runs);
		putchar('}');
	}
	printf("],\"historical\":{\"source\":\"pysendfile 2.0.1, Linux "
	    "2.6.38\",\"sendfile_mb_s\":848.56,\"send_mb_s\":362.13}}\n");
}
