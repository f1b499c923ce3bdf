/* SPDX-License-Identifier: ISC */
/*
 * zcsend: push a file, or a byte range of it, to a TCP receiver with the
 * kernel's sendfile(2). main parses the command line, opens and checks the
 * input, connects, drives the transfer in a poll loop and reports.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zcsend.h"

#define DEFAULT_BLOCK_SIZE	((size_t)64 * 1024)
#define DEFAULT_MAX_CHUNK	((size_t)512 * 1024)
#define DEFAULT_CONNECT_MS	30000
#define DEFAULT_CLOSE_MS	30000
#define MAX_HDTR_FILE		((size_t)16 * 1024 * 1024)
#define MAX_DESTS		1000

/* Long options without a short form. */
enum {
	OPT_HEADER_FILE = 256,
	OPT_TRAILER_FILE,
	OPT_MODE,
	OPT_NO_SENDFILE,
	OPT_BLOCK_SIZE,
	OPT_MAX_CHUNK,
	OPT_SF_FLAGS,
	OPT_CONNECT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_CLOSE_TIMEOUT,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_RATE,
	OPT_BENCH,
	OPT_SIZE,
	OPT_ROUNDS,
	OPT_BLOCK_SIZES,
	OPT_TO,
	OPT_FAIL_FAST,
	OPT_MAX_CLIENTS,
	OPT_MAX_CONNS
};

static const struct option long_options[] = {
	{ "offset",		required_argument,	NULL, 'o' },
	{ "count",		required_argument,	NULL, 'n' },
	{ "header",		required_argument,	NULL, 'H' },
	{ "trailer",		required_argument,	NULL, 'T' },
	{ "header-file",	required_argument,	NULL, OPT_HEADER_FILE },
	{ "trailer-file",	required_argument,	NULL, OPT_TRAILER_FILE },
	{ "mode",		required_argument,	NULL, OPT_MODE },
	{ "no-sendfile",	no_argument,		NULL, OPT_NO_SENDFILE },
	{ "block-size",		required_argument,	NULL, OPT_BLOCK_SIZE },
	{ "max-chunk",		required_argument,	NULL, OPT_MAX_CHUNK },
	{ "sf-flags",		required_argument,	NULL, OPT_SF_FLAGS },
	{ "connect-timeout",	required_argument,	NULL, OPT_CONNECT_TIMEOUT },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT },
	{ "close-timeout",	required_argument,	NULL, OPT_CLOSE_TIMEOUT },
	{ "progress",		required_argument,	NULL, OPT_PROGRESS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "rate",		required_argument,	NULL, OPT_RATE },
	{ "bench",		no_argument,		NULL, OPT_BENCH },
	{ "size",		required_argument,	NULL, OPT_SIZE },
	{ "rounds",		required_argument,	NULL, OPT_ROUNDS },
	{ "block-sizes",	required_argument,	NULL, OPT_BLOCK_SIZES },
	{ "to",			required_argument,	NULL, OPT_TO },
	{ "fail-fast",		no_argument,		NULL, OPT_FAIL_FAST },
	{ "listen",		no_argument,		NULL, 'l' },
	{ "keep-open",		no_argument,		NULL, 'k' },
	{ "max-clients",	required_argument,	NULL, OPT_MAX_CLIENTS },
	{ "max-conns",		required_argument,	NULL, OPT_MAX_CONNS },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};


static __dead void	usage(int);
static __dead void	version(void);
static __dead void	fail(const struct options *, int, const char *, ...)
			    __attribute__((__format__(__printf__, 3, 4)));
static void		parse_options(int, char **, struct options *);
static uint64_t		option_size(const char *, const char *);
static int		option_seconds(const char *, const char *);
static void		option_bytes(const char *, const char *, struct bytes *);
static void		read_bytes_file(const struct options *, const char *,
			    struct bytes *);
static void		open_input(struct options *, struct input *);
static void		skip_stream(const struct options *, struct input *);
static int		push(const struct options *, struct input *);
static void		add_dest(struct options *, const char *, const char *,
			    int);

static __dead void
usage(int status)
{
	FILE	*out = status == 0 ? stdout : stderr;

	fprintf(out,
	    "usage: %s [-46hqVv] [-H header] [-n count] [-o offset] "
	    "[-T trailer]\n"
	    "\t[--block-size size] [--close-timeout seconds]\n"
	    "\t[--connect-timeout seconds] [--fail-fast] "
	    "[--header-file file]\n"
	    "\t[--idle-timeout seconds] [--json] [--max-chunk size]\n"
	    "\t[--mode sendfile | splice | readwrite] [--no-sendfile]\n"
	    "\t[--progress auto | tty | plain | none] [--rate rate]\n"
	    "\t[--sf-flags list] [--trailer-file file] host port file\n"
	    "       %s [options] file --to host:port [--to host:port ...]\n"
	    "       %s [options] -U path file\n"
	    "       %s [options] -l [-k] [--max-clients n] [--max-conns n] "
	    "[address] port file\n"
	    "       %s [options] -l -U path file\n"
	    "       %s --bench [-46q] [--block-sizes list] [--json] "
	    "[--progress mode]\n"
	    "\t[--rate rate] [--rounds n] [--size size] [host port] [file]\n",
	    getprogname(), getprogname(), getprogname(), getprogname(),
	    getprogname(), getprogname());
	exit(status);
}

static __dead void
version(void)
{
	printf("%s %s\n", getprogname(), PACKAGE_VERSION);
	printf("backends:");
	if (sf_backend.send != rw_backend.send)
		printf(" %s (%s),", sf_backend.name, SF_BACKEND);
	if (splice_backend.send != NULL)
		printf(" %s,", splice_backend.name);
	printf(" %s\n", rw_backend.name);
	exit(EXIT_OK);
}

/*
 * The one line every failure prints, then --json if asked for, then exit.
 * o may be NULL while the command line is still being read.
 */
static __dead void
fail(const struct options *o, int status, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", getprogname(), msg);
	if (o != NULL && o->json)
		report_json(stdout, o, NULL, 0, status, msg);
	exit(status);
}

static uint64_t
option_size(const char *what, const char *arg)
{
	const char	*errstr;
	uint64_t	 size;

	if (parse_size(arg, &size, &errstr) == -1)
		fail(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return size;
}

static int
option_seconds(const char *what, const char *arg)
{
	const char	*errstr;
	int		 ms;

	if (parse_seconds(arg, &ms, &errstr) == -1)
		fail(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return ms;
}

static void
option_bytes(const char *what, const char *arg, struct bytes *out)
{
	const char	*errstr;

	free(out->data);
	if (parse_escapes(arg, out, &errstr) == -1)
		fail(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
}

/* Raw header or trailer bytes from a file, read whole. */
static void
read_bytes_file(const struct options *o, const char *path, struct bytes *out)
{
	struct stat	 st;
	size_t		 cap = 4096;
	ssize_t		 n;
	int		 fd;

	free(out->data);
	out->len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		fail(o, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		fail(o, EXIT_NOINPUT, "%s: %s", path, strerror(EISDIR));
	if ((out->data = malloc(cap)) == NULL)
		fail(o, EXIT_OSERR, "%s: %s", path, strerror(errno));
	for (;;) {
		if (out->len == cap) {
			if (cap >= MAX_HDTR_FILE)
				fail(o, EXIT_NOINPUT, "%s: larger than %zu "
				    "bytes", path, MAX_HDTR_FILE);
			cap *= 2;
			if ((out->data = reallocarray(out->data, cap, 1)) ==
			    NULL)
				fail(o, EXIT_OSERR, "%s: %s", path,
				    strerror(errno));
		}
		n = read(fd, out->data + out->len, cap - out->len);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR && !loop_signalled())
				continue;
			fail(o, EXIT_NOINPUT, "%s: %s", path, strerror(errno));
		}
		out->len += (size_t)n;
	}
	close(fd);
}

/* Append a destination; port is checked (and resolved if a service). */
static void
add_dest(struct options *o, const char *host, const char *port, int unix_path)
{
	struct dest	*d;
	const char	*errstr = NULL;
	int		 portnum = 0;

	if (!unix_path && (portnum = parse_port(port, &errstr)) == -1)
		fail(NULL, EXIT_USAGE, "port %s: %s", port, errstr);
	if (strlen(host) >= sizeof(d->host))
		fail(NULL, EXIT_USAGE, "host %.40s...: too long", host);
	o->dests = reallocarray(o->dests, o->ndests + 1, sizeof(*o->dests));
	if (o->dests == NULL)
		fail(NULL, EXIT_OSERR, "destinations: %s", strerror(errno));
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

static void
parse_options(int argc, char **argv, struct options *o)
{
	const char	*errstr = NULL, *to_args[MAX_DESTS];
	char		 host[1025], port[32];
	int		 ch, nto = 0, i;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->count = COUNT_TO_EOF;
	o->mode = MODE_SENDFILE;
	o->block_size = DEFAULT_BLOCK_SIZE;
	o->max_chunk = DEFAULT_MAX_CHUNK;
	o->connect_timeout_ms = DEFAULT_CONNECT_MS;
	o->close_timeout_ms = DEFAULT_CLOSE_MS;
	o->progress = PROGRESS_AUTO;
	o->bench_size = (uint64_t)1024 * 1024 * 1024;
	o->bench_rounds = 5;
	o->bench_block_sizes[0] = (size_t)16 * 1024;
	o->bench_block_sizes[1] = (size_t)64 * 1024;
	o->bench_block_sizes[2] = (size_t)128 * 1024;
	o->bench_nblock_sizes = 3;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":46hH:kln:o:qT:UvV", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'h':
			usage(EXIT_OK);
		case 'H':
			option_bytes("header", optarg, &o->header);
			break;
		case 'n':
			o->count = option_size("count", optarg);
			break;
		case 'o':
			o->offset = option_size("offset", optarg);
			o->offset_set = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'T':
			option_bytes("trailer", optarg, &o->trailer);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			version();
		case OPT_HEADER_FILE:
			read_bytes_file(NULL, optarg, &o->header);
			break;
		case OPT_TRAILER_FILE:
			read_bytes_file(NULL, optarg, &o->trailer);
			break;
		case OPT_MODE:
			if (strcmp(optarg, "sendfile") == 0)
				o->mode = MODE_SENDFILE;
			else if (strcmp(optarg, "readwrite") == 0)
				o->mode = MODE_READWRITE;
			else if (strcmp(optarg, "splice") == 0 &&
			    splice_backend.send != NULL)
				o->mode = MODE_SPLICE;
			else
				fail(NULL, EXIT_USAGE, "mode %s: not %s",
				    optarg, splice_backend.send != NULL ?
				    "sendfile, splice or readwrite" :
				    "sendfile or readwrite");
			break;
		case OPT_NO_SENDFILE:
			o->mode = MODE_READWRITE;
			break;
		case OPT_BLOCK_SIZE:
			o->block_size = option_size("block size", optarg);
			if (o->block_size == 0 || o->block_size > SF_MAX_CALL)
				fail(NULL, EXIT_USAGE, "block size %s: out of "
				    "range", optarg);
			break;
		case OPT_MAX_CHUNK:
			o->max_chunk = option_size("max chunk", optarg);
			if (o->max_chunk == 0 || o->max_chunk > SF_MAX_CALL)
				fail(NULL, EXIT_USAGE, "max chunk %s: out of "
				    "range", optarg);
			break;
		case OPT_SF_FLAGS:
			if (sf_parse_flags(optarg, &o->sf_flags, &errstr) == -1)
				fail(NULL, EXIT_USAGE, "sf-flags %s: %s",
				    optarg, errstr);
			break;
		case OPT_CONNECT_TIMEOUT:
			o->connect_timeout_ms = option_seconds(
			    "connect timeout", optarg);
			break;
		case OPT_IDLE_TIMEOUT:
			o->idle_timeout_ms = option_seconds("idle timeout",
			    optarg);
			break;
		case OPT_CLOSE_TIMEOUT:
			o->close_timeout_ms = option_seconds("close timeout",
			    optarg);
			break;
		case OPT_PROGRESS:
			if (strcmp(optarg, "auto") == 0)
				o->progress = PROGRESS_AUTO;
			else if (strcmp(optarg, "tty") == 0)
				o->progress = PROGRESS_TTY;
			else if (strcmp(optarg, "plain") == 0)
				o->progress = PROGRESS_PLAIN;
			else if (strcmp(optarg, "none") == 0)
				o->progress = PROGRESS_NONE;
			else
				fail(NULL, EXIT_USAGE, "progress %s: not auto, "
				    "tty, plain or none", optarg);
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_RATE:
			if (parse_rate(optarg, &o->rate, &errstr) == -1)
				fail(NULL, EXIT_USAGE, "rate %s: %s", optarg,
				    errstr);
			break;
		case OPT_BENCH:
			o->bench = 1;
			break;
		case OPT_TO:
			if (nto == MAX_DESTS)
				fail(NULL, EXIT_USAGE, "to %s: more than %d "
				    "destinations", optarg, MAX_DESTS);
			o->multi = 1;
			to_args[nto++] = optarg;
			break;
		case OPT_FAIL_FAST:
			o->fail_fast = 1;
			break;
		case 'l':
			o->listen = 1;
			break;
		case 'k':
			o->keep_open = 1;
			break;
		case 'U':
			o->unix_socket = 1;
			break;
		case OPT_MAX_CLIENTS:
			o->max_clients = (uint64_t)strtonum(optarg, 1,
			    LLONG_MAX, &errstr);
			if (errstr != NULL)
				fail(NULL, EXIT_USAGE, "max clients %s: %s",
				    optarg, errstr);
			break;
		case OPT_MAX_CONNS:
			o->max_conns = (size_t)strtonum(optarg, 1,
			    MAX_DESTS, &errstr);
			if (errstr != NULL)
				fail(NULL, EXIT_USAGE, "max conns %s: %s",
				    optarg, errstr);
			break;
		case OPT_SIZE:
			o->bench_size = option_size("size", optarg);
			if (o->bench_size == 0)
				fail(NULL, EXIT_USAGE, "size %s: too small",
				    optarg);
			break;
		case OPT_ROUNDS:
			o->bench_rounds = (int)strtonum(optarg, 1, 100, &errstr);
			if (errstr != NULL)
				fail(NULL, EXIT_USAGE, "rounds %s: %s", optarg,
				    errstr);
			break;
		case OPT_BLOCK_SIZES:
			if (parse_size_list(optarg, o->bench_block_sizes,
			    BENCH_MAX_BLOCK_SIZES, &o->bench_nblock_sizes,
			    &errstr) == -1)
				fail(NULL, EXIT_USAGE, "block sizes %s: %s",
				    optarg, errstr);
			break;
		case ':':
			fail(NULL, EXIT_USAGE, "command line: option %s needs "
			    "a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				fail(NULL, EXIT_USAGE, "command line: unknown "
				    "option -%c", optopt);
			fail(NULL, EXIT_USAGE, "command line: unknown option "
			    "%s", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (o->quiet)
		o->progress = PROGRESS_NONE;
	if (o->bench) {
		if (argc > 3)
			fail(NULL, EXIT_USAGE, "command line: --bench takes "
			    "[HOST PORT] [FILE] (try '%s -h')", getprogname());
		exit(bench_main(o, argc, argv));
	}
	if (o->listen) {
		/* -l [ADDR] PORT FILE, or -l -U PATH FILE */
		if (o->multi || argc < 2 || argc > 3 ||
		    (o->unix_socket && argc != 2))
			fail(NULL, EXIT_USAGE, "command line: expected %s "
			    "(try '%s -h')", o->unix_socket ? "-l -U PATH FILE" :
			    "-l [ADDRESS] PORT FILE", getprogname());
		o->listen_addr = argc == 3 ? argv[0] : NULL;
		o->listen_port = argv[argc - 2];
		o->path = argv[argc - 1];
		if (!o->unix_socket && strcmp(o->listen_port, "0") != 0 &&
		    parse_port(o->listen_port, &errstr) == -1)
			fail(NULL, EXIT_USAGE, "port %s: %s", o->listen_port,
			    errstr);
		if (o->max_conns == 0)
			o->max_conns = o->keep_open ? 64 : 1;
		return;
	}
	if (o->keep_open || o->max_clients != 0 || o->max_conns != 0)
		fail(NULL, EXIT_USAGE, "command line: -k, --max-clients and "
		    "--max-conns go with -l");
	if (o->multi) {
		/* FILE --to HOST:PORT ... */
		if (argc != 1 || o->unix_socket)
			fail(NULL, EXIT_USAGE, "command line: expected FILE "
			    "--to HOST:PORT ... (try '%s -h')", getprogname());
		for (i = 0; i < nto; i++) {
			if (parse_hostport(to_args[i], host, sizeof(host), port,
			    sizeof(port), &errstr) == -1)
				fail(NULL, EXIT_USAGE, "to %s: %s", to_args[i],
				    errstr);
			add_dest(o, host, port, 0);
		}
		o->path = argv[0];
		return;
	}
	if (o->unix_socket) {
		if (argc != 2)
			fail(NULL, EXIT_USAGE, "command line: expected -U PATH "
			    "FILE (try '%s -h')", getprogname());
		add_dest(o, argv[0], "", 1);
		o->path = argv[1];
		return;
	}
	if (argc != 3)
		fail(NULL, EXIT_USAGE, "command line: expected HOST PORT FILE "
		    "(try '%s -h')", getprogname());
	o->host = argv[0];
	o->port = argv[1];
	o->path = argv[2];
	add_dest(o, o->host, o->port, 0);
}

/*
 * Open FILE (or take stdin), and work out the range to send. A regular file
 * is sent by offset from its start (stdin: from its current position); a
 * file whose size is not its content (/proc, /sys) is sent to its real end;
 * anything else is a stream, read in order with read/write.
 */
static void
open_input(struct options *o, struct input *in)
{
	struct stat	st;
	uint64_t	size;
	off_t		pos = 0;

	memset(in, 0, sizeof(*in));
	if (strcmp(o->path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->name = "stdin";
	} else {
		in->name = o->path;
		/* A FIFO blocks here until a writer comes: ^C ends that. */
		if ((in->fd = open(o->path, O_RDONLY | O_CLOEXEC)) == -1 &&
		    errno == EINTR && loop_signalled())
			fail(o, loop_signal_status(), "interrupted by %s: "
			    "opening %s", loop_signal_name(), in->name);
		if (in->fd == -1)
			fail(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
	}
	if (fstat(in->fd, &st) == -1)
		fail(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		fail(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(EISDIR));

	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		/*
		 * Streams are read in order: a pipe with splice where the
		 * platform has it, anything else with read/write. Bytes read
		 * are gone, so a stream can feed one receiver only.
		 */
		if (o->ndests > 1 || o->keep_open)
			fail(o, EXIT_USAGE, "%s: a stream can be sent to one "
			    "receiver only", in->name);
		if (o->mode == MODE_SENDFILE)
			o->mode = S_ISFIFO(st.st_mode) &&
			    splice_backend.send != NULL ? MODE_SPLICE :
			    MODE_READWRITE;
		if (o->verbose)
			fprintf(stderr, "%s: %s is not a regular file: "
			    "using %s\n", getprogname(), in->name,
			    o->mode == MODE_SPLICE ? "splice" : "readwrite");
		in->start = -1;
		in->len = o->count;
		skip_stream(o, in);
		return;
	}
	if (in->fd == STDIN_FILENO) {
		if ((pos = lseek(in->fd, 0, SEEK_CUR)) == -1)
			fail(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		in->rewind_stdin = 1;
	}
	in->start = pos + (off_t)o->offset;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(in->fd, 0, SEEK_END);

		if (end == -1)
			fail(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		st.st_size = end;
	}
	if (sf_pseudo_file(in->fd)) {
		/* The size says nothing: send what is there, to EOF. */
		in->len = o->count;
		return;
	}
	size = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	if (o->offset > size)
		fail(o, EXIT_RANGE, "%s: offset %ju is past the end of the file "
		    "(%ju bytes)", in->name, (uintmax_t)o->offset,
		    (uintmax_t)size);
	if (o->count != COUNT_TO_EOF && o->count > size - o->offset)
		fail(o, EXIT_RANGE, "%s: offset %ju + count %ju is past the "
		    "end of the file (%ju bytes)", in->name,
		    (uintmax_t)o->offset, (uintmax_t)o->count,
		    (uintmax_t)size);
	in->len = o->count != COUNT_TO_EOF ? o->count : size - o->offset;
}

/* A stream cannot seek: --offset reads and drops that many bytes. */
static void
skip_stream(const struct options *o, struct input *in)
{
	char		buf[65536];
	uint64_t	left = o->offset;
	ssize_t		n;

	while (left > 0) {
		n = read(in->fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf));
		if (n == -1 && errno == EINTR && !loop_signalled())
			continue;
		if (n == -1 && loop_signalled())
			fail(o, loop_signal_status(), "interrupted by %s: "
			    "skipping to the offset", loop_signal_name());
		if (n == -1)
			fail(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		if (n == 0)
			fail(o, EXIT_RANGE, "%s: offset %ju is past the end of "
			    "the input (%ju bytes)", in->name,
			    (uintmax_t)o->offset,
			    (uintmax_t)(o->offset - left));
		left -= (uint64_t)n;
	}
}

/*
 * Exit codes by how serious they are, for a run with several outcomes: an
 * interrupt, then trouble of zcsend's own (resources), then data cut
 * short, then timeouts, then receivers that could not be reached at all.
 */
int
exit_severity(int status)
{
	switch (status) {
	case EXIT_OK:
		return 0;
	case EXIT_NOHOST:
		return 1;
	case EXIT_UNAVAILABLE:
		return 2;
	case EXIT_TEMPFAIL:
		return 3;
	case EXIT_IOERR:
		return 4;
	case EXIT_SIGINT:
	case EXIT_SIGTERM:
		return 6;
	default:
		return 5;
	}
}

/*
 * Connect to every destination, then push the input to all of them at
 * once in one loop, and report each. Returns the exit status: 0 only if
 * every destination got every byte, else the most serious failure.
 */
static int
push(const struct options *o, struct input *in)
{
	struct xfer	*xs, **xp, *worst;
	struct progress	 p;
	const struct dest *d;
	uint64_t	 segs;
	char		 msg[512];
	size_t		 i;
	struct addrinfo	*res;
	int		 sock, status = EXIT_OK, stop = 0;

	xs = calloc(o->ndests, sizeof(*xs));
	xp = calloc(o->ndests, sizeof(struct xfer *));
	if (xs == NULL || xp == NULL)
		fail(o, EXIT_OSERR, "transfers: %s", strerror(errno));
	/*
	 * TCP destinations connect inside the loop, all at once; only the
	 * name lookups (and a Unix socket's local connect) happen here.
	 */
	for (i = 0; i < o->ndests; i++) {
		d = &o->dests[i];
		xp[i] = &xs[i];
		sock = -1;
		res = NULL;
		if (stop) {
			status = stop;
			snprintf(msg, sizeof(msg), "send to %.400s: not started: "
			    "another destination failed", d->peer);
		} else if (o->unix_socket)
			sock = net_connect_unix(d->host, o->connect_timeout_ms,
			    &status, msg, sizeof(msg));
		else
			status = net_resolve(d->host, d->portnum, o->family,
			    &res, msg, sizeof(msg));
		if (res != NULL)
			xfer_init_connect(&xs[i], o, in->fd, in->start,
			    in->len, d, res);
		else if (sock != -1)
			xfer_init(&xs[i], o, sock, in->fd, in->start, in->len,
			    d->peer);
		else {
			if (!stop && (status == EXIT_SIGINT ||
			    status == EXIT_SIGTERM || o->fail_fast))
				stop = status;
			xfer_init_failed(&xs[i], o, in->len, d->peer, status,
			    msg);
		}
		xs[i].path = in->name;
		xs[i].host = d->host;
		xs[i].port = d->port;
	}
	/* A failure above under --fail-fast stops those set up before it. */
	for (i = 0; stop && i < o->ndests; i++)
		xfer_stop(&xs[i], stop, "another destination failed");
	progress_start(&p, o->progress, isatty(STDERR_FILENO), loop_now_ns());
	xfer_run(xp, o->ndests, &p, o->fail_fast);
	progress_clear(&p);
	if (in->rewind_stdin)
		(void)lseek(in->fd, xs[0].file_start + (off_t)xs[0].file_done,
		    SEEK_SET);

	status = EXIT_OK;
	worst = NULL;
	for (i = 0; i < o->ndests; i++) {
		if (o->verbose && xs[i].sock != -1 &&
		    sf_segments(xs[i].sock, &segs) == 0)
			fprintf(stderr, "%s: %s%sdata segments sent: %ju\n",
			    getprogname(), o->multi ? xs[i].peer : "",
			    o->multi ? ": " : "", (uintmax_t)segs);
		if (o->verbose && xs[i].fallback_errno != 0)
			fprintf(stderr, "%s: %s refused the input (%s): "
			    "fell back to %s\n", getprogname(),
			    xs[i].fallback_from,
			    strerror(xs[i].fallback_errno),
			    xs[i].backend->name);
		if (xs[i].phase != XFER_DONE) {
			fprintf(stderr, "%s: %s\n", getprogname(),
			    xs[i].error);
			if (exit_severity(xs[i].status) > exit_severity(status)) {
				status = xs[i].status;
				worst = &xs[i];
			}
		} else if (!o->quiet)
			progress_summary(&p, &xs[i], o->multi);
	}
	if (o->json)
		report_json(stdout, o, xp, o->ndests, status,
		    worst != NULL ? worst->error : NULL);
	for (i = 0; i < o->ndests; i++) {
		if (xs[i].sock != -1)
			close(xs[i].sock);
		xfer_free(&xs[i]);
	}
	free(xs);
	free(xp);
	return status;
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct input	 in;
	int		 status;

	if (loop_init() == -1)
		fail(NULL, EXIT_OSERR, "signals: %s", strerror(errno));
	parse_options(argc, argv, &o);
	open_input(&o, &in);
	if (o.listen)
		status = serve_main(&o, &in);
	else
		status = push(&o, &in);
	free(o.dests);
	free(o.header.data);
	free(o.trailer.data);
	return status;
}
