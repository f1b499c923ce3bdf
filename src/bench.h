/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench's own header: the rows it measures, shared by bench.c
 * (the runs, the table, --json) and bench-chart.c (the bar chart, --csv).
 */

#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zcsend.h"

/* sendfile, splice, mmap, MSG_ZEROCOPY, two io_uring, and read/write. */
#define BENCH_MAX_MODES		(6 + BENCH_MAX_BLOCK_SIZES)
#define BENCH_MAX_ROUNDS	100

/* One path under test, at one file size, warm or cold: a table row. */
struct bench_mode {
	char		 name[32];
	enum send_mode	 mode;
	size_t		 block_size;
	uint64_t	 size;		/* the file bytes each run sends */
	int		 cold;		/* its pages dropped before each run */
	uint64_t	 resident;	/* cold, unavailable: pages that stayed */
	char		 unavailable[200];	/* why it cannot run, or "" */
	double		 gibps[BENCH_MAX_ROUNDS];
	double		 cpu_per_gib[BENCH_MAX_ROUNDS];
	double		 calls_per_gib[BENCH_MAX_ROUNDS];
	int		 runs;
	int		 failures;
	char		 last_error[256];
	int		 skipped;	/* cold runs whose pages stayed */
	char		 skip_reason[200];
};

/* bench.c */
double		 bench_median(const double *, int);
double		 bench_spread(const double *, int, int);

/* bench-chart.c */
void		 bench_chart(FILE *, const struct bench_mode *, int);
void		 bench_csv(FILE *, const struct bench_mode *, int);

#endif /* BENCH_H */
