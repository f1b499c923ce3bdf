/* SPDX-License-Identifier: ISC */
/*
 * After getopt: the positional arguments of each mode (HOST PORT FILE,
 * FILE with --to and --to-file, -U PATH FILE, -l [ADDRESS] PORT FILE,
 * --bench [HOST PORT] [FILE]), and the list of destinations they and
 * every --to and --to-file make. A bad one exits 64 naming it.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"
#include "options-int.h"

static void	add_dest(struct options *, const char *, const char *, int);
static int	add_dest_line(void *, const char *, const char *,
		    const char **);
static void	args_bench(struct options *, int, char **);
static void	args_listen(struct options *, int, char **);

/* Append a destination; port is checked (and resolved if a service). */
static void
add_dest(struct options *o, const char *host, const char *port, int unix_path)
{
	struct dest	*d;
	const char	*errstr = NULL;
	int		 portnum = 0;

	if (!unix_path && (portnum = parse_port(port, &errstr)) == -1)
		msg_exit(NULL, EXIT_USAGE, "port %s: %s", port, errstr);
	if (strlen(host) >= sizeof(d->host))
		msg_exit(NULL, EXIT_USAGE, "host %.40s...: too long", host);
	o->dests = reallocarray(o->dests, o->ndests + 1, sizeof(*o->dests));
	if (o->dests == NULL)
		msg_exit(NULL, EXIT_OSERR, "destinations: %s", strerror(errno));
	d = &o->dests[o->ndests++];
	memset(d, 0, sizeof(*d));
	snprintf(d->host, sizeof(d->host), "%s", host);
	if (unix_path) {
		snprintf(d->peer, sizeof(d->peer), "%s", host);
		return;
	}
	snprintf(d->port, sizeof(d->port), "%s", port);
	snprintf(d->portnum, sizeof(d->portnum), "%d", portnum);
	snprintf(d->peer, sizeof(d->peer), "%s port %s", host, port);
}

/* One destination of a --to-file or a --to; refused past the limit. */
static int
add_dest_line(void *arg, const char *host, const char *port,
    const char **errstr)
{
	struct options	*o = arg;

	if (o->ndests >= MAX_DESTS) {
		*errstr = "more than 1000 destinations";
		return -1;
	}
	add_dest(o, host, port, 0);
	return 0;
}

/* --bench [HOST PORT] [FILE] */
static void
args_bench(struct options *o, int argc, char **argv)
{
	if (argc > 3)
		msg_exit(NULL, EXIT_USAGE, "command line: --bench takes "
		    "[HOST PORT] [FILE] (try '%s -h')", getprogname());
	if (argc == 1 || argc == 3)
		o->path = argv[argc - 1];
	if (o->path != NULL && o->bench_size_set)
		msg_exit(NULL, EXIT_USAGE, "command line: --size sets the "
		    "temporary file only; with FILE the file sets the size");
	if (argc < 2)
		return;		/* the embedded receiver */
	add_dest(o, argv[0], argv[1], 0);
	if (o->rate > 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --rate with --bench "
		    "paces the embedded receiver; with HOST PORT the receiver "
		    "sets the pace");
}

/* -l [ADDRESS] PORT FILE, or -l -U PATH FILE */
static void
args_listen(struct options *o, int argc, char **argv)
{
	const char	*errstr = NULL;

	if (o->multi || (o->unix_socket ? argc != 1 : argc < 2 || argc > 3))
		msg_exit(NULL, EXIT_USAGE, "command line: expected %s "
		    "(try '%s -h')", o->unix_socket ? "-l -U PATH FILE" :
		    "-l [ADDRESS] PORT FILE", getprogname());
	o->listen_addr = argc == 3 ? argv[0] : NULL;
	o->listen_port = o->unix_socket ? o->unix_path : argv[argc - 2];
	o->path = argv[argc - 1];
	if (!o->unix_socket && strcmp(o->listen_port, "0") != 0 &&
	    parse_port(o->listen_port, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "port %s: %s", o->listen_port,
		    errstr);
	if (o->max_conns == 0)
		o->max_conns = o->keep_open ? 64 : 1;
}

/*
 * The positional arguments of each mode, and the options that only go
 * with some modes; the destinations of every --to and --to-file (those
 * with to_isfile set) are collected into o->dests, in order.
 */
void
options_args(struct options *o, int argc, char **argv, const char **to_args,
    const char *to_isfile, int nto)
{
	const char	*errstr = NULL;
	char		 host[1025], port[32], msg[512];
	int		 i, failed = 0;

	if (o->bench) {
		args_bench(o, argc, argv);
		return;
	}
	if (o->listen) {
		args_listen(o, argc, argv);
		return;
	}
	if (o->multi) {
		/* FILE --to HOST:PORT ... */
		if (argc != 1)
			msg_exit(NULL, EXIT_USAGE, "command line: expected "
			    "FILE --to HOST:PORT ... (try '%s -h')",
			    getprogname());
		o->path = argv[0];
		for (i = 0; i < nto; i++) {
			if (to_isfile[i]) {
				/*
				 * A list that cannot be read: --json says so,
				 * with every --to in its place, once they are
				 * all taken.
				 */
				if (failed == 0)
					failed = destlist_load(to_args[i],
					    add_dest_line, o, msg, sizeof(msg));
				if (failed == EXIT_USAGE)
					msg_exit(NULL, failed, "%s", msg);
				continue;
			}
			if (parse_hostport(to_args[i], host, sizeof(host), port,
			    sizeof(port), &errstr) == -1 ||
			    add_dest_line(o, host, port, &errstr) == -1)
				msg_exit(NULL, EXIT_USAGE, "to %s: %s",
				    to_args[i], errstr);
		}
		if (failed)
			msg_exit(o, failed, "%s", msg);
		if (o->ndests == 0)
			msg_exit(NULL, EXIT_USAGE, "command line: no "
			    "destination in %s", nto > 0 ? to_args[0] : "--to");
		return;
	}
	if (o->unix_socket) {
		if (argc != 1)
			msg_exit(NULL, EXIT_USAGE, "command line: expected -U "
			    "PATH FILE (try '%s -h')", getprogname());
		add_dest(o, o->unix_path, "", 1);
		o->host = o->unix_path;
		o->path = argv[0];
		return;
	}
	if (argc != 3)
		msg_exit(NULL, EXIT_USAGE, "command line: expected HOST PORT "
		    "FILE (try '%s -h')", getprogname());
	o->host = argv[0];
	o->port = argv[1];
	o->path = argv[2];
	add_dest(o, o->host, o->port, 0);
}
