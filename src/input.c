/* SPDX-License-Identifier: ISC */
/*
 * The input of push and listen mode: the file or stream to send
 * (input_open, which also skips a stream to --offset), and the bytes of
 * --header-file and --trailer-file (input_read_hdtr). Each runs once the
 * command line is read, so a failure exits with its status and, with
 * --json, the report.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

#define MAX_HDTR_FILE		((size_t)16 * 1024 * 1024)

static void	input_skip_stream(const struct options *, struct input *);
static int	input_skip_wait(int, int64_t);
static void	input_read_file(const struct options *, const char *,
		    const char *, struct bytes *);

/*
 * Open FILE (or take stdin), and work out the range to send; a stream may
 * change the mode in par. Exits on failure, with --json too. A regular file
 * is sent by offset from its start (stdin: from its current position); a
 * file whose size is not its content (/proc, /sys) is sent to its real end;
 * anything else is a stream, read in order with read/write.
 */
void
input_open(struct options *o, struct input *in,
    struct xfer_params *par)
{
	struct stat	st;
	uint64_t	size;
	off_t		pos = 0;
	int		pseudo = 0;

	memset(in, 0, sizeof(*in));
	if (strcmp(o->path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->name = "stdin";
		if (o->stdin_closed)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(EBADF));
	} else {
		in->name = o->path;
		/* A FIFO blocks here until a writer comes: ^C ends that. */
		if ((in->fd = open(o->path, O_RDONLY | O_CLOEXEC)) == -1 &&
		    errno == EINTR && loop_signalled())
			msg_exit(o, loop_signal_status(), "interrupted by %s: "
			    "opening %s", loop_signal_name(), in->name);
		if (in->fd == -1)
			msg_exit(o, xfer_open_status(errno), "%s: %s",
			    in->name, strerror(errno));
	}
	if (fstat(in->fd, &st) == -1)
		msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name, strerror(EISDIR));

	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		/*
		 * Streams are read in order: a pipe with splice where the
		 * platform has it, anything else with read/write. Bytes read
		 * are gone, so a stream can feed one receiver only.
		 */
		if (o->ndests > 1 || o->keep_open)
			msg_exit(o, EXIT_USAGE, "%s: a stream can be sent to one "
			    "receiver only", in->name);
		/* --resume starts at the receiver's offset: it must seek. */
		if (o->resume)
			msg_exit(o, EXIT_USAGE, "%s: --resume needs a file to "
			    "seek in, not a stream", in->name);
		/* --tls encrypts from a buffer: read, never spliced. */
		if (par->mode == MODE_SENDFILE)
			par->mode = S_ISFIFO(st.st_mode) &&
			    splice_backend.send != NULL && !o->tls.enabled ?
			    MODE_SPLICE : MODE_READWRITE;
		/* --checksum: the bytes must pass through user space. */
		if (o->checksum)
			par->mode = MODE_READWRITE;
		if (o->verbose)
			msg_warnx("%s is not a regular file: using %s",
			    in->name, par->mode == MODE_SPLICE ? "splice" :
			    "readwrite");
		in->start = -1;
		in->len = o->count;
		in->unsized = 1;
		input_skip_stream(o, in);
		return;
	}
	if (in->fd == STDIN_FILENO) {
		if ((pos = lseek(in->fd, 0, SEEK_CUR)) == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		in->rewind_stdin = 1;
	}
	in->start = pos + (off_t)o->offset;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(in->fd, 0, SEEK_END);

		if (end == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		st.st_size = end;
	}
	if (st.st_size == 0 || (pseudo = sf_pseudo_file(in->fd))) {
		/*
		 * The size says nothing (or nothing to check a range
		 * against): send what is there, to EOF.
		 */
		in->len = o->count;
		in->unsized = 1;
		/*
		 * --checksum: a second read of a pseudo-file can differ from
		 * the bytes sent, so it is read once, as a stream is, and
		 * hashed as its bytes go out.
		 */
		if (o->checksum && o->ndests <= 1 && !o->keep_open) {
			par->mode = MODE_READWRITE;
			in->start = -1;
			input_skip_stream(o, in);
		} else if (o->checksum && (pseudo || sf_pseudo_file(in->fd)))
			msg_exit(o, EXIT_USAGE, "%s: --checksum of a pseudo-file "
			    "goes to one receiver only: each read of it can "
			    "differ", in->name);
		return;
	}
	size = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	if (o->offset > size)
		msg_exit(o, EXIT_RANGE, "%s: offset %ju is past the end of the file "
		    "(%ju bytes)", in->name, (uintmax_t)o->offset,
		    (uintmax_t)size);
	if (o->count != COUNT_TO_EOF && o->count > size - o->offset)
		msg_exit(o, EXIT_RANGE, "%s: offset %ju + count %ju is past the "
		    "end of the file (%ju bytes)", in->name,
		    (uintmax_t)o->offset, (uintmax_t)o->count,
		    (uintmax_t)size);
	in->len = o->count != COUNT_TO_EOF ? o->count : size - o->offset;
	/* --json of a run that fails before any transfer gives it too. */
	o->input_len = in->len;
}

/*
 * A stream cannot seek: --offset reads and drops that many bytes. A stream
 * that gives nothing for --idle-timeout fails with 75 here, before any
 * connection, as it would once sending.
 */
static void
input_skip_stream(const struct options *o, struct input *in)
{
	char		buf[65536];
	uint64_t	left = o->offset;
	int64_t		idle_ns = (int64_t)o->idle_timeout_ms * 1000000;
	int64_t		deadline = loop_now_ns() + idle_ns;
	ssize_t		n;
	int		r;

	while (left > 0) {
		if (idle_ns > 0 &&
		    (r = input_skip_wait(in->fd, deadline)) <= 0) {
			if (r == 0)
				msg_exit(o, EXIT_TEMPFAIL, "%s: idle timeout "
				    "(%g s) after skipping %ju of %ju bytes",
				    in->name, o->idle_timeout_ms / 1000.0,
				    (uintmax_t)(o->offset - left),
				    (uintmax_t)o->offset);
			if (errno != EINTR)
				msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
				    strerror(errno));
			if (loop_signalled())
				msg_exit(o, loop_signal_status(), "interrupted "
				    "by %s: skipping to the offset",
				    loop_signal_name());
			continue;
		}
		n = read(in->fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf));
		if (n == -1 && errno == EINTR && !loop_signalled())
			continue;
		if (n == -1 && loop_signalled())
			msg_exit(o, loop_signal_status(), "interrupted by %s: "
			    "skipping to the offset", loop_signal_name());
		if (n == -1)
			msg_exit(o, EXIT_NOINPUT, "%s: %s", in->name,
			    strerror(errno));
		if (n == 0)
			msg_exit(o, EXIT_RANGE, "%s: offset %ju is past the end of "
			    "the input (%ju bytes)", in->name,
			    (uintmax_t)o->offset,
			    (uintmax_t)(o->offset - left));
		left -= (uint64_t)n;
		deadline = loop_now_ns() + idle_ns;
	}
}

/*
 * Wait in loop_wait (so a stop signal is never missed) until fd has
 * something to read (or its end), at most until the monotonic deadline:
 * 1 when it has, 0 at the deadline, -1 with errno (EINTR: a stop signal).
 */
static int
input_skip_wait(int fd, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((left = deadline - loop_now_ns()) > 0) {
		pfd.revents = 0;
		if ((r = loop_wait(&pfd, 1, (int)((left + 999999) / 1000000)))
		    != 0)
			return r;
	}
	return 0;
}

/*
 * The raw bytes of the header or trailer file path (what: "header file" or
 * "trailer file"), read whole: at most MAX_HDTR_FILE of them.
 */
static void
input_read_file(const struct options *o, const char *what, const char *path,
    struct bytes *out)
{
	struct stat	 st;
	unsigned char	 more;
	size_t		 cap = 4096;
	ssize_t		 n;
	int		 fd;

	free(out->data);
	out->data = NULL;
	out->len = 0;
	/* A FIFO blocks here until a writer comes: a stop signal ends that. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno == EINTR &&
	    loop_signalled())
		msg_exit(o, loop_signal_status(), "interrupted by %s: opening "
		    "%s %s", loop_signal_name(), what, path);
	if (fd == -1 || fstat(fd, &st) == -1)
		msg_exit(o, xfer_open_status(errno), "%s %s: %s", what, path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		msg_exit(o, EXIT_NOINPUT, "%s %s: %s", what, path,
		    strerror(EISDIR));
	if ((out->data = malloc(cap)) == NULL)
		msg_exit(o, EXIT_OSERR, "%s %s: %s", what, path,
		    strerror(errno));
	for (;;) {
		if (out->len == cap && cap < MAX_HDTR_FILE) {
			cap = cap * 2 < MAX_HDTR_FILE ? cap * 2 : MAX_HDTR_FILE;
			if ((out->data = reallocarray(out->data, cap, 1)) ==
			    NULL)
				msg_exit(o, EXIT_OSERR, "%s %s: %s", what,
				    path, strerror(errno));
		}
		/* At the limit, one byte more tells whether there is more. */
		if (out->len < cap)
			n = read(fd, out->data + out->len, cap - out->len);
		else
			n = read(fd, &more, 1);
		if (n == -1 && errno == EINTR && loop_signalled())
			msg_exit(o, loop_signal_status(), "interrupted by %s: "
			    "reading %s %s", loop_signal_name(), what, path);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			msg_exit(o, EXIT_NOINPUT, "%s %s: %s", what, path,
			    strerror(errno));
		if (n == 0)
			break;
		if (out->len == cap)
			msg_exit(o, EXIT_NOINPUT, "%s %s: larger than %zu "
			    "bytes", what, path, MAX_HDTR_FILE);
		out->len += (size_t)n;
	}
	close(fd);
}

/*
 * Read --header-file and --trailer-file into o->header and o->trailer, or
 * exit naming the file.
 */
void
input_read_hdtr(struct options *o)
{
	if (o->header_file != NULL)
		input_read_file(o, "header file", o->header_file, &o->header);
	if (o->trailer_file != NULL)
		input_read_file(o, "trailer file", o->trailer_file,
		    &o->trailer);
}
