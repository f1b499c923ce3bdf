/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench's own header: the rows it measures, shared by bench.c
 * (the rounds and runs), bench-sink.c (the embedded discard receiver),
 * bench-recv.c (the receiving side: zcrecv's paths), bench-report.c (the
 * table, --json) and bench-chart.c (the bar chart, --csv).
 */

#ifndef BENCH_H
#define BENCH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zcsend.h"

/* sendfile, splice, mmap, MSG_ZEROCOPY, two io_uring, and read/write. */
#define BENCH_MAX_MODES		(6 + BENCH_MAX_BLOCK_SIZES)
#define BENCH_MAX_ROUNDS	100
/* The most the embedded receiver moves, or a file write or read, at once. */
#define BENCH_CHUNK		((size_t)256 * 1024)
#define BENCH_GIB		1073741824.0
#define BENCH_RESULT_MS		30000

/* One path under test, at one file size, warm or cold: a table row. */
struct bench_mode {
	char		 name[32];
	enum send_mode	 mode;
	const char	*recv_mode;	/* --recv: zcrecv --mode, else NULL */
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

/* The embedded discard receiver, a child process. */
struct bench_sink {
	pid_t	pid;
	int	results;	/* the child writes each connection's count */
	int	control;	/* closed by the parent: the child exits */
	char	port[16];
};

/* bench.c */
const char	*bench_tmpdir(void);
int		 bench_run(const struct options *, struct bench_mode *,
		     const struct dest *, const struct input *,
		     struct bench_sink *);

/* bench-recv.c */
int		 bench_recv_run(const struct options *, struct bench_mode *,
		     const struct input *);

/* bench-sink.c */
int		 bench_sink_start(struct bench_sink *, uint64_t, int);
void		 bench_sink_stop(struct bench_sink *);
int		 bench_sink_result(struct bench_sink *, uint64_t *, int);

/* bench-report.c */
double		 bench_median(const double *, int);
double		 bench_spread(const double *, int, int);
void		 bench_table(const struct options *, struct bench_mode *, int,
		     int, int, const char *);
void		 bench_json(const struct options *, struct bench_mode *, int,
		     uint64_t, int, const char *);

/* bench-chart.c */
void		 bench_chart(FILE *, const struct bench_mode *, int);
void		 bench_csv(FILE *, const struct bench_mode *, int);

#endif /* BENCH_H */
