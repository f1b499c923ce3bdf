/* SPDX-License-Identifier: ISC */
/*
 * zc_sendfile_all(): a whole header, file range and trailer to a connected
 * socket, through the same transfer engine (xfer.c) the command runs, so
 * the retry rules live in one place: EINTR retried, EAGAIN waited for in
 * poll(2), read/write only before the first file byte, a shrinking file
 * caught. lib_run() is the only place that knows the engine's interface.
 *
 * The library installs no signal handler and prints nothing; it leaves the
 * caller's socket open and not shut down, in the mode it found it.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "engine.h"
#include "zc_sendfile.h"

/* The engine's sizes, as the command's defaults. */
#define LIB_BLOCK_SIZE	((size_t)64 * 1024)
#define LIB_MAX_CHUNK	((size_t)512 * 1024)

static int	lib_run(int, int, off_t, uint64_t, const struct bytes *,
		    const struct bytes *, int, int, uint64_t *);

/*
 * Drive one transfer on the connected non-blocking sock to its end with
 * xfer_step() and poll(2). Stores the bytes the socket took in *sent and
 * returns 0, or -1 with errno (ETIMEDOUT for the idle timeout, EIO when
 * the file shrank, the socket's error otherwise).
 */
static int
lib_run(int sock, int fd, off_t start, uint64_t count,
    const struct bytes *hdr, const struct bytes *trl, int sf_flags,
    int idle_timeout_ms, uint64_t *sent)
{
	struct xfer_params	par;
	struct xfer_dest	dest;
	struct input		in;
	struct xfer		*x;
	struct pollfd		pfd;
	int			err, done;

	memset(&par, 0, sizeof(par));
	par.hdr = *hdr;
	par.trl = *trl;
	par.mode = MODE_SENDFILE;
	par.block_size = LIB_BLOCK_SIZE;
	par.max_chunk = LIB_MAX_CHUNK;
	par.sf_flags = sf_flags;
	par.idle_timeout_ms = idle_timeout_ms;
	par.keep_open = 1;
	memset(&in, 0, sizeof(in));
	in.fd = fd;
	in.name = "input";
	in.start = start;
	in.len = count;
	memset(&dest, 0, sizeof(dest));
	dest.sock = sock;
	dest.peer = "socket";
	if ((x = xfer_new(&par, &in, &dest)) == NULL)
		return -1;
	while (xfer_step(x, &pfd)) {
		pfd.revents = 0;
		if (poll(&pfd, 1, xfer_timeout_ms(x, loop_now_ns())) == -1 &&
		    errno != EINTR && errno != EAGAIN)
			xfer_fail_errno(x, errno);
	}
	*sent = xfer_bytes_done(x);
	done = xfer_phase(x) == XFER_DONE;
	err = xfer_errno(x) != 0 ? xfer_errno(x) :
	    xfer_status(x) == EXIT_OSERR ? ENOMEM : EIO;
	if (!done && (hdr->len > 0 || trl->len > 0))
		(void)sf_cork(sock, 0);
	xfer_free(x);
	if (done)
		return 0;
	errno = err;
	return -1;
}

/*
 * Send header, count bytes of fd from offset (ZC_TO_EOF: to end of file;
 * ZC_CURRENT: from the file position, which moves, as for a pipe), and
 * trailer to sock, blocking or not, waiting at most idle_timeout_ms (0:
 * forever) for the socket to take a byte. Returns 0, or -1 with errno;
 * *sent (if not NULL) always holds the bytes the socket took.
 */
int
zc_sendfile_all(int sock, int fd, off_t offset, uint64_t count,
    const void *header, size_t header_len, const void *trailer,
    size_t trailer_len, int flags, int idle_timeout_ms, uint64_t *sent)
{
	struct bytes	hdr, trl;
	sigset_t	pipe_set, old_set, pending;
	uint64_t	done = 0;
	int		sf_flags, fl, rv, err, sig, was_pending;

	if (sent != NULL)
		*sent = 0;
	if ((offset < 0 && offset != ZC_CURRENT) || idle_timeout_ms < 0 ||
	    (header == NULL && header_len > 0) ||
	    (trailer == NULL && trailer_len > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (lib_flags(flags, &sf_flags) == -1)
		return -1;
	/* Before anything goes out, header included, as zc_sendfile(). */
	if (count > 0 && lib_input_check(fd) == -1)
		return -1;
	hdr.data = (unsigned char *)(uintptr_t)header;
	hdr.len = header_len;
	trl.data = (unsigned char *)(uintptr_t)trailer;
	trl.len = trailer_len;

	/* The engine waits in poll(2): the socket must not block meanwhile. */
	if ((fl = fcntl(sock, F_GETFL)) == -1)
		return -1;
	if ((fl & O_NONBLOCK) == 0 &&
	    fcntl(sock, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;

	/*
	 * sendfile(2) has no MSG_NOSIGNAL: keep a vanished peer's SIGPIPE
	 * from this thread, and take it back if it was not pending before.
	 */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	was_pending = sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE);

	rv = lib_run(sock, fd, offset, count, &hdr, &trl, sf_flags,
	    idle_timeout_ms, &done);
	err = errno;

	if (!was_pending && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE))
		(void)sigwait(&pipe_set, &sig);
	(void)pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	if ((fl & O_NONBLOCK) == 0)
		(void)fcntl(sock, F_SETFL, fl);

	if (sent != NULL)
		*sent = done;
	errno = err;
	return rv;
}
