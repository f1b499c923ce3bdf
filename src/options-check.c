/* SPDX-License-Identifier: ISC */
/*
 * The options that do not go together, or not with the mode chosen,
 * refused rather than ignored: a table per rule where a rule names many
 * options (options_combos), then the --tls, deployment and destination
 * rules. Each refusal exits 64 with one line naming the culprits.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "zcsend.h"
#include "options-int.h"

#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

static void	options_combos(const unsigned char *);
static void	options_deploy_check(struct options *);
static void	options_source_dups(const struct options *);

/*
 * The rules on the options alone, once getopt has read them all (core
 * maps the shared ones in o); seen[ch] is set for each option given.
 */
void
options_check(struct options *o, const struct optcore *core,
    const unsigned char *seen)
{
	options_combos(seen);
	/* --tls: checked here; tls_setup makes the context. */
	if (o->bench && (o->tls.enabled || o->tls.any))
		msg_exit(NULL, EXIT_USAGE, "command line: --bench does not "
		    "take --tls");
	optcore_finish(core);
	options_deploy_check(o);
}

/* The rules on the input and destinations, once options_args set them. */
void
options_check_dests(const struct options *o)
{
	if (o->resume && o->path != NULL && strcmp(o->path, "-") == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --resume needs a "
		    "file to seek in, not -");
	options_source_dups(o);
}

/*
 * Options that mean nothing in the form given, refused rather than
 * ignored, in the order the man page lists them; seen[ch] is set for each
 * option given.
 */
static void
options_combos(const unsigned char *seen)
{
	static const struct {
		int		 ch;
		const char	*name;
	} bench_only[] = {
		{ OPT_ROUNDS, "--rounds" },
		{ OPT_SIZE, "--size" },
		{ OPT_BLOCK_SIZES, "--block-sizes" },
		{ OPT_CACHE, "--cache" },
		{ OPT_CSV, "--csv" },
		{ OPT_RECV, "--recv" }
	}, not_bench[] = {
		{ OPT_TO, "--to" },
		{ 'o', "-o" },
		{ 'n', "-n" },
		{ 'H', "-H" },
		{ 'T', "-T" },
		{ OPT_HEADER_FILE, "--header-file" },
		{ OPT_TRAILER_FILE, "--trailer-file" },
		{ OPT_TO_FILE, "--to-file" },
		{ OPT_CHECKSUM, "--checksum" },
		{ OPT_ACK, "--ack" },
		{ OPT_RESUME, "--resume" },
		{ OPT_RETRY, "--retry" },
		{ OPT_RETRY_DELAY, "--retry-delay" },
		{ 's', "-s" },
		{ 'p', "-p" },
		{ OPT_SNDBUF, "--sndbuf" },
		{ OPT_TOS, "--tos" },
		{ OPT_FAIL_FAST, "--fail-fast" },
		{ OPT_MODE, "--mode" },
		{ OPT_NO_SENDFILE, "--no-sendfile" },
		{ OPT_BLOCK_SIZE, "--block-size" },
		{ 'l', "-l" },
		{ 'U', "-U" }
	}, listen_only[] = {
		{ 'k', "-k" },
		{ OPT_MAX_CLIENTS, "--max-clients" },
		{ OPT_MAX_CONNS, "--max-conns" }
	}, not_listen[] = {
		{ OPT_TO, "--to" },
		{ OPT_TO_FILE, "--to-file" },
		{ OPT_FAIL_FAST, "--fail-fast" }
	}, not_unix[] = {
		{ OPT_TO, "--to" },
		{ OPT_TO_FILE, "--to-file" }
	};
	size_t	i;

	for (i = 0; seen[OPT_BENCH] && i < NELEM(not_bench); i++)
		if (seen[not_bench[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with --bench", not_bench[i].name);
	for (i = 0; !seen[OPT_BENCH] && i < NELEM(bench_only); i++)
		if (seen[bench_only[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s goes with "
			    "--bench", bench_only[i].name);
	if (seen[OPT_RETRY_DELAY] && !seen[OPT_RETRY])
		msg_exit(NULL, EXIT_USAGE, "command line: --retry-delay goes "
		    "with --retry");
	if (seen[OPT_MAX_CLIENTS] && !seen['k'])
		msg_exit(NULL, EXIT_USAGE, "command line: --max-clients goes "
		    "with -k");
	for (i = 0; !seen['l'] && i < NELEM(listen_only); i++)
		if (seen[listen_only[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s goes with "
			    "-l", listen_only[i].name);
	for (i = 0; seen['l'] && i < NELEM(not_listen); i++)
		if (seen[not_listen[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with -l", not_listen[i].name);
	/* -U names the one receiver: --to would add others. */
	for (i = 0; seen['U'] && i < NELEM(not_unix); i++)
		if (seen[not_unix[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with -U", not_unix[i].name);
	/*
	 * --block-sizes adds the sender's read/write rows; --recv's rows are
	 * zcrecv's two. Refused here, not beside --recv's other rules in
	 * bench_main: it has a default, so only seen[] tells it was given.
	 */
	if (seen[OPT_RECV] && seen[OPT_BLOCK_SIZES])
		msg_exit(NULL, EXIT_USAGE, "command line: --recv does not go "
		    "with --block-sizes: those are the sending paths' buffer "
		    "sizes");
	if (seen[OPT_CSV] && seen[OPT_JSON])
		msg_exit(NULL, EXIT_USAGE, "command line: --csv and --json do "
		    "not go together");
	if (seen['q'] && seen['v'])
		msg_exit(NULL, EXIT_USAGE, "command line: -q and -v do not go "
		    "together");
}

/* The deployment options that do not go with the mode chosen. */
static void
options_deploy_check(struct options *o)
{
	if (o->listen && (o->retry_set || o->sockopts.src_addr != NULL ||
	    o->sockopts.src_port != NULL))
		msg_exit(NULL, EXIT_USAGE, "command line: --retry, -s and -p "
		    "go with a push, not -l");
	if (o->unix_socket && (o->retry_set || o->sockopts.src_addr !=
	    NULL || o->sockopts.src_port != NULL || o->sockopts.tos != -1))
		msg_exit(NULL, EXIT_USAGE, "command line: --retry, -s, -p and "
		    "--tos go with TCP, not -U");
	/* The acknowledgement is waited for within the close timeout. */
	if (o->ack && o->close_timeout_ms == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --ack waits for the "
		    "receiver within --close-timeout, which cannot be 0");
	/* The receiver's offset counts file bytes only. */
	if (o->resume && (o->header.len > 0 || o->trailer.len > 0 ||
	    o->header_file != NULL || o->trailer_file != NULL))
		msg_exit(NULL, EXIT_USAGE, "command line: --resume does not "
		    "go with a header or trailer");
}

/*
 * -p with a destination given twice: one source port makes one connection
 * to an address and port, so the second connect could only fail.
 */
static void
options_source_dups(const struct options *o)
{
	size_t	i, j;

	if (o->sockopts.src_port == NULL)
		return;
	for (i = 0; i < o->ndests; i++)
		for (j = i + 1; j < o->ndests; j++)
			if (strcmp(o->dests[i].host, o->dests[j].host) == 0 &&
			    strcmp(o->dests[i].portnum, o->dests[j].portnum) ==
			    0)
				msg_exit(NULL, EXIT_USAGE, "command line: -p "
				    "%s: %s twice: one source port connects "
				    "to an address and port once",
				    o->sockopts.src_port, o->dests[i].peer);
}

