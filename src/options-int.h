/* SPDX-License-Identifier: ISC */
/*
 * What only the command line's own files share: options.c (getopt and
 * each option's value), options-args.c (each mode's positional arguments
 * and destinations) and options-check.c (the combinations refused).
 */

#ifndef OPTIONS_INT_H
#define OPTIONS_INT_H

#define MAX_DESTS		1000

/*
 * zcsend's own long options without a short form; the shared ones are in
 * zcsend.h (optcore.c), the --tls ones too.
 */
enum {
	OPT_HEADER_FILE = OPT_CORE_LAST,
	OPT_TRAILER_FILE,
	OPT_NO_SENDFILE,
	OPT_BLOCK_SIZE,
	OPT_MAX_CHUNK,
	OPT_SF_FLAGS,
	OPT_CLOSE_TIMEOUT,
	OPT_RATE,
	OPT_BENCH,
	OPT_SIZE,
	OPT_ROUNDS,
	OPT_BLOCK_SIZES,
	OPT_TO,
	OPT_FAIL_FAST,
	OPT_MAX_CLIENTS,
	OPT_MAX_CONNS,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_TO_FILE,
	OPT_SNDBUF,
	OPT_TOS,
	OPT_CACHE,
	OPT_CSV,
	OPT_RECV,
	OPT_LAST
};

/* options-args.c */
void		 options_args(struct options *, int, char **, const char **,
		     const char *, int);

/* options-check.c */
void		 options_check(struct options *, const struct optcore *,
		     const unsigned char *);
void		 options_check_dests(const struct options *);

#endif /* OPTIONS_INT_H */
