/* SPDX-License-Identifier: ISC */
/*
 * The command line: getopt_long over every option into one struct options,
 * each option's value checked as it is read (optcore.c reads those zcrecv
 * has too); then the combinations refused (options-check.c) and the
 * positional arguments each mode takes (options-args.c), checked on their
 * own after the options (as nc checks its arguments after getopt).
 * Parsing only parses and validates: nothing here looks a name up,
 * connects, opens the input or starts a benchmark. A bad command line
 * exits 64 with one line naming the culprit; -h and -V print what usage.c
 * has to say.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"
#include "options-int.h"

#define DEFAULT_BLOCK_SIZE	((size_t)64 * 1024)
#define DEFAULT_MAX_CHUNK	((size_t)512 * 1024)
/*
 * Unless --max-chunk fixes it, a blocking sendfile's chunk grows up to
 * this while the receiver keeps up (xfer-send.c): fewer, larger calls.
 */
#define DEFAULT_CHUNK_CEILING	((size_t)16 * 1024 * 1024)
#define DEFAULT_CLOSE_MS	30000
#define MAX_RETRY_DELAY_MS	60000	/* retry.c caps its backoff there */

static const struct option long_options[] = {
	{ "offset",		required_argument,	NULL, 'o' },
	{ "count",		required_argument,	NULL, 'n' },
	{ "header",		required_argument,	NULL, 'H' },
	{ "trailer",		required_argument,	NULL, 'T' },
	{ "header-file",	required_argument,	NULL, OPT_HEADER_FILE },
	{ "trailer-file",	required_argument,	NULL, OPT_TRAILER_FILE },
	{ "no-sendfile",	no_argument,		NULL, OPT_NO_SENDFILE },
	{ "block-size",		required_argument,	NULL, OPT_BLOCK_SIZE },
	{ "max-chunk",		required_argument,	NULL, OPT_MAX_CHUNK },
	{ "sf-flags",		required_argument,	NULL, OPT_SF_FLAGS },
	{ "close-timeout",	required_argument,	NULL, OPT_CLOSE_TIMEOUT },
	{ "rate",		required_argument,	NULL, OPT_RATE },
	{ "bench",		no_argument,		NULL, OPT_BENCH },
	{ "size",		required_argument,	NULL, OPT_SIZE },
	{ "rounds",		required_argument,	NULL, OPT_ROUNDS },
	{ "block-sizes",	required_argument,	NULL, OPT_BLOCK_SIZES },
	{ "cache",		required_argument,	NULL, OPT_CACHE },
	{ "csv",		no_argument,		NULL, OPT_CSV },
	{ "recv",		no_argument,		NULL, OPT_RECV },
	{ "to",			required_argument,	NULL, OPT_TO },
	{ "fail-fast",		no_argument,		NULL, OPT_FAIL_FAST },
	{ "max-clients",	required_argument,	NULL, OPT_MAX_CLIENTS },
	{ "max-conns",		required_argument,	NULL, OPT_MAX_CONNS },
	{ "retry",		required_argument,	NULL, OPT_RETRY },
	{ "retry-delay",	required_argument,	NULL, OPT_RETRY_DELAY },
	{ "to-file",		required_argument,	NULL, OPT_TO_FILE },
	{ "source",		required_argument,	NULL, 's' },
	{ "source-port",	required_argument,	NULL, 'p' },
	{ "sndbuf",		required_argument,	NULL, OPT_SNDBUF },
	{ "tos",		required_argument,	NULL, OPT_TOS },
	OPTCORE_LONG_OPTIONS,
	{ NULL,			0,			NULL, 0 }
};


static void		options_defaults(struct options *,
			    const struct optcore *);
static void		option_own_rules(int);
static int		option_general(struct options *, int, const char **);
static int		option_transfer(struct options *, int);
static int		option_bench(struct options *, int);
static int		option_deploy(struct options *, int, const char **);
static __dead void	option_error(int, char **);
static int		option_cmp(const void *, const void *);
static void		option_bytes(const char *, const char *, struct bytes *);

static void
option_bytes(const char *what, const char *arg, struct bytes *out)
{
	const char	*errstr;

	free(out->data);
	if (parse_escapes(arg, out, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
}

static void
options_defaults(struct options *o, const struct optcore *core)
{
	memset(o, 0, sizeof(*o));
	optcore_defaults(core);
	o->count = COUNT_TO_EOF;
	o->input_len = COUNT_TO_EOF;
	o->mode = MODE_SENDFILE;
	o->block_size = DEFAULT_BLOCK_SIZE;
	o->max_chunk = DEFAULT_MAX_CHUNK;
	o->chunk_ceiling = DEFAULT_CHUNK_CEILING;
	o->close_timeout_ms = DEFAULT_CLOSE_MS;
	o->bench_size = (uint64_t)1024 * 1024 * 1024;
	o->bench_sizes[0] = o->bench_size;
	o->bench_nsizes = 1;
	o->bench_cache = BENCH_WARM;
	o->bench_rounds = 5;
	o->bench_block_sizes[0] = (size_t)16 * 1024;
	o->bench_block_sizes[1] = (size_t)64 * 1024;
	o->bench_block_sizes[2] = (size_t)128 * 1024;
	o->bench_nblock_sizes = 3;
	o->retry_delay_ms = 1000;
	o->sockopts.tos = -1;
}

/*
 * Options that choose the mode and what is reported, beyond the shared
 * ones (optcore.c): -h, -V, --to, --fail-fast, --max-clients and
 * --max-conns. A --to argument is only handed back in *to_arg here;
 * options_args checks it. Returns 0 when ch is not one of these.
 */
static int
option_general(struct options *o, int ch, const char **to_arg)
{
	const char	*errstr = NULL;

	switch (ch) {
	case 'h':
		usage_help(EXIT_OK);
	case 'V':
		usage_version();
	case OPT_TO:
		o->multi = 1;
		*to_arg = optarg;
		break;
	case OPT_FAIL_FAST:
		o->fail_fast = 1;
		break;
	case OPT_MAX_CLIENTS:
		o->max_clients = (uint64_t)strtonum(optarg, 1, LLONG_MAX,
		    &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "max clients %s: %s",
			    optarg, errstr);
		break;
	case OPT_MAX_CONNS:
		o->max_conns = (size_t)strtonum(optarg, 1, MAX_DESTS, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "max conns %s: %s", optarg,
			    errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Options that shape what is sent and how. Returns 0 if ch is not one. */
static int
option_transfer(struct options *o, int ch)
{
	const char	*errstr = NULL;

	switch (ch) {
	case 'H':
		option_bytes("header", optarg, &o->header);
		o->header_file = NULL;
		break;
	case 'T':
		option_bytes("trailer", optarg, &o->trailer);
		o->trailer_file = NULL;
		break;
	case OPT_HEADER_FILE:
		o->header_file = optarg;	/* read once parsed */
		break;
	case OPT_TRAILER_FILE:
		o->trailer_file = optarg;
		break;
	case 'n':
		o->count = optcore_size("count", optarg);
		break;
	case 'o':
		o->offset = optcore_size("offset", optarg);
		o->offset_set = 1;
		break;
	case OPT_MODE:
		if (mode_parse(optarg, &o->mode, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "mode %s: not %s", optarg,
			    errstr);
		break;
	case OPT_NO_SENDFILE:
		o->mode = MODE_READWRITE;
		break;
	case OPT_BLOCK_SIZE:
		o->block_size = optcore_size("block size", optarg);
		if (o->block_size == 0 || o->block_size > SF_MAX_CALL)
			msg_exit(NULL, EXIT_USAGE, "block size %s: out of "
			    "range", optarg);
		break;
	case OPT_MAX_CHUNK:
		o->max_chunk = optcore_size("max chunk", optarg);
		if (o->max_chunk == 0 || o->max_chunk > SF_MAX_CALL)
			msg_exit(NULL, EXIT_USAGE, "max chunk %s: out of "
			    "range", optarg);
		o->chunk_ceiling = o->max_chunk;	/* given: fixed */
		break;
	case OPT_SF_FLAGS:
		if (sf_parse_flags(optarg, &o->sf_flags, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "sf-flags %s: %s", optarg,
			    errstr);
		break;
	case OPT_CLOSE_TIMEOUT:
		o->close_timeout_ms = optcore_seconds("close timeout", optarg);
		break;
	case OPT_RATE:
		if (parse_rate(optarg, &o->rate, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "rate %s: %s", optarg,
			    errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The --bench options. Returns 0 if ch is not one. */
static int
option_bench(struct options *o, int ch)
{
	const char	*errstr = NULL;

	switch (ch) {
	case OPT_BENCH:
		o->bench = 1;
		break;
	case OPT_SIZE:
		if (parse_sizes(optarg, o->bench_sizes, BENCH_MAX_SIZES,
		    UINT64_MAX, &o->bench_nsizes, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "size %s: %s", optarg,
			    errstr);
		o->bench_size = o->bench_sizes[0];
		o->bench_size_set = 1;
		break;
	case OPT_CACHE:
		if (bench_parse_cache(optarg, &o->bench_cache) == -1)
			msg_exit(NULL, EXIT_USAGE, "cache %s: not warm, cold "
			    "or both", optarg);
		break;
	case OPT_CSV:
		o->bench_csv = 1;
		break;
	case OPT_RECV:
		o->bench_recv = 1;
		break;
	case OPT_ROUNDS:
		o->bench_rounds = (int)strtonum(optarg, 1, 100, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "rounds %s: %s", optarg,
			    errstr);
		break;
	case OPT_BLOCK_SIZES:
		if (parse_size_list(optarg, o->bench_block_sizes,
		    BENCH_MAX_BLOCK_SIZES, &o->bench_nblock_sizes,
		    &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "block sizes %s: %s",
			    optarg, errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * zcsend's own rule on a shared option, once optcore_option has read it:
 * a --checksum this build can make.
 */
static void
option_own_rules(int ch)
{
	if (ch == OPT_CHECKSUM && !checksum_available())
		msg_exit(NULL, EXIT_USAGE, "checksum %s: not built in", optarg);
}

/*
 * The command-line error getopt_long returned ch ('?' or ':') for, in the
 * words of getopt_long's own messages (opterr is 0 so that every message
 * takes the one message path). A long option is named as typed, up to any
 * '=', and an abbreviation by the option it stands for.
 */
static __dead void
option_error(int ch, char **argv)
{
	const struct option	*lo, *match = NULL;
	const char		*arg = argv[optind - 1], *name, *eq;
	const char		*cands[sizeof(long_options) /
				    sizeof(long_options[0])];
	char			 list[1024];
	size_t			 len, n = 0, i, used;

	name = arg + 2;
	len = (eq = strchr(name, '=')) != NULL ? (size_t)(eq - name) :
	    strlen(name);
	for (lo = long_options; lo->name != NULL; lo++) {
		if (strncmp(lo->name, name, len) != 0)
			continue;
		match = lo;
		if (strlen(lo->name) == len) {
			n = 1;		/* an exact match beats abbreviations */
			break;
		}
		cands[n++] = lo->name;
	}
	/*
	 * A short option's error leaves optopt at its letter, and optind may
	 * still point past an earlier argument: a long option's error has
	 * optopt 0 or its own value.
	 */
	if (strncmp(arg, "--", 2) != 0 || len == 0 || (optopt != 0 &&
	    (n != 1 || match->val != optopt))) {
		if (ch == ':')
			msg_exit(NULL, EXIT_USAGE, "command line: option -%c "
			    "needs a value", optopt);
		msg_exit(NULL, EXIT_USAGE, "command line: unknown option -%c",
		    optopt);
	}
	if (n == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: unknown option "
		    "--%.*s", (int)len, name);
	if (n > 1) {
		qsort(cands, n, sizeof(cands[0]), option_cmp);
		for (i = used = 0; i < n && used < sizeof(list); i++)
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, " '--%s'", cands[i]);
		msg_exit(NULL, EXIT_USAGE, "command line: option '--%.*s' is "
		    "ambiguous; possibilities:%s", (int)len, name, list);
	}
	if (ch == ':')
		msg_exit(NULL, EXIT_USAGE, "command line: option --%s needs a "
		    "value", match->name);
	if (eq != NULL && match->has_arg == no_argument)
		msg_exit(NULL, EXIT_USAGE, "command line: option '--%s' "
		    "doesn't allow an argument", match->name);
	msg_exit(NULL, EXIT_USAGE, "command line: unknown option --%.*s",
	    (int)len, name);
}

static int
option_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The deployment options: --retry, --retry-delay, -s, -p, --sndbuf, --tos,
 * and --to-file, whose path is only handed back in *to_file
 * (options_args reads it, in order with the --to destinations). Returns 0
 * if ch is not one of them.
 */
static int
option_deploy(struct options *o, int ch, const char **to_file)
{
	const char	*errstr = NULL;
	uint64_t	 size;

	switch (ch) {
	case OPT_RETRY:
		o->retry = (int)strtonum(optarg, 0, 1000, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "retry %s: %s", optarg,
			    errstr);
		o->retry_set = 1;
		break;
	case OPT_RETRY_DELAY:
		o->retry_delay_ms = optcore_seconds("retry delay", optarg);
		/* The backoff is capped there: a longer first wait is not. */
		if (o->retry_delay_ms > MAX_RETRY_DELAY_MS)
			msg_exit(NULL, EXIT_USAGE, "retry delay %s: more than "
			    "%d s, the longest wait between tries", optarg,
			    MAX_RETRY_DELAY_MS / 1000);
		break;
	case OPT_TO_FILE:
		o->multi = 1;
		*to_file = optarg;
		break;
	case 's':
		if (*optarg == '\0')
			msg_exit(NULL, EXIT_USAGE, "command line: -s needs an "
			    "address, not an empty string");
		o->sockopts.src_addr = optarg;
		break;
	case 'p':
		if (parse_port(optarg, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "source port %s: %s",
			    optarg, errstr);
		o->sockopts.src_port = optarg;
		break;
	case OPT_SNDBUF:
		size = optcore_size("sndbuf", optarg);
		if (size == 0 || size > SOCKOPT_MAX_SNDBUF)
			msg_exit(NULL, EXIT_USAGE, "sndbuf %s: out of range",
			    optarg);
		o->sockopts.sndbuf = (int)size;
		break;
	case OPT_TOS:
		if (sockopt_parse_tos(optarg, &o->sockopts.tos, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "tos %s: %s", optarg,
			    errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * Fill o from the command line, or exit: 0 for -h and -V, 64 for anything
 * wrong. Free it with options_free.
 */
void
options_parse(int argc, char **argv, struct options *o)
{
	const struct optcore core = OPTCORE_MAP(o);
	const char	*to_args[MAX_DESTS], *to_arg, *to_file;
	unsigned char	 seen[OPT_LAST];
	char		 to_isfile[MAX_DESTS];
	int		 ch, nto = 0;

	options_defaults(o, &core);
	memset(seen, 0, sizeof(seen));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":46hH:kln:o:p:qs:T:U:vV",
	    long_options, NULL)) != -1) {
		if (ch > 0 && ch < OPT_LAST)
			seen[ch] = 1;
		if (optcore_option(&core, ch, optarg)) {
			option_own_rules(ch);
			continue;
		}
		to_arg = to_file = NULL;
		if (option_general(o, ch, &to_arg) ||
		    option_deploy(o, ch, &to_file)) {
			if (to_arg == NULL && to_file == NULL)
				continue;
			if (nto == MAX_DESTS)
				msg_exit(NULL, EXIT_USAGE, "to %s: more than "
				    "%d destinations", optarg, MAX_DESTS);
			to_isfile[nto] = (char)(to_file != NULL);
			to_args[nto++] = optarg;
			continue;
		}
		if (option_transfer(o, ch) || option_bench(o, ch))
			continue;
		option_error(ch, argv);
	}
	options_check(o, &core, seen);
	options_args(o, argc - optind, argv + optind, to_args, to_isfile, nto);
	options_check_dests(o);
}

/*
 * The transfer parameters of a run, from the options. The stream rules of
 * input_open may still change the mode before the first transfer starts.
 */
void
options_params(const struct options *o, struct xfer_params *par)
{
	memset(par, 0, sizeof(*par));
	par->hdr = o->header;
	par->trl = o->trailer;
	par->mode = o->mode;
	par->backend = o->mode == MODE_SENDFILE || o->mode == MODE_SPLICE ||
	    o->mode == MODE_READWRITE ? NULL : mode_backend(o->mode);
	par->block_size = o->block_size;
	par->max_chunk = o->max_chunk;
	par->chunk_ceiling = o->chunk_ceiling;
	par->sf_flags = o->sf_flags;
	par->connect_timeout_ms = o->connect_timeout_ms;
	par->idle_timeout_ms = o->idle_timeout_ms;
	par->close_timeout_ms = o->close_timeout_ms;
	par->rate = o->rate;
	par->verbose = o->verbose;
	par->name_peer = o->multi;
	par->sockopts = &o->sockopts;
	par->retry_max = o->retry;
	par->retry_delay_ms = o->retry_delay_ms;
	par->retry_notify = !o->quiet;
	par->note = msg_note;
	par->hash_sent = o->checksum ? checksum_feed : NULL;
	par->ack = o->ack;
	par->resume = o->resume;
	/*
	 * One receiver, unpaced: a send may block (see xfer_new). Not with
	 * --tls: OpenSSL's state machine is driven by the loop's waits.
	 */
	par->may_block = !o->listen && o->ndests == 1 && o->rate == 0 &&
	    !o->tls.enabled;
}

void
options_free(struct options *o)
{
	free(o->dests);
	free(o->header.data);
	free(o->trailer.data);
	o->dests = NULL;
	o->header.data = o->trailer.data = NULL;
}

