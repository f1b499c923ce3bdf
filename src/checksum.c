/* SPDX-License-Identifier: ISC */
/*
 * --checksum sha256: the SHA-256 of the file bytes sent (the range, without
 * header and trailer), computed once per run whatever the number of
 * receivers. A file's range is hashed on a second thread that reads it
 * from the page cache with pread while the kernel sends the same pages,
 * so hashing does not add to the send; a stream is hashed as its bytes
 * pass through user space on their way out (checksum_feed).
 *
 * The hash comes from a library already linked: OpenSSL's libcrypto when
 * zcsend is built with it (its SHA-256 uses the CPU's SHA extensions where
 * there are some, several times faster than portable code), else libmd,
 * which libbsd brings. Without either, --checksum is refused.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if !defined(HAVE_LIBCRYPTO) && defined(HAVE_SHA2_H)
#include <sha2.h>
#endif

#include "zcsend.h"
#include "ossl.h"

#if defined(HAVE_LIBCRYPTO) || defined(HAVE_SHA2_H)
#define CHECKSUM_SHA256	1
#endif

/* Bytes per pread: large enough to amortise the call, small enough to stop. */
#define CHECKSUM_BLOCK	((size_t)1024 * 1024)

#ifdef CHECKSUM_SHA256
/* 64 hex digits and a NUL, as sha256sum prints the digest. */
#define CHECKSUM_HEX_LEN	65

static void	*checksum_thread(void *);
static int	 checksum_wait(void);
static void	 checksum_join(void);
static int	 checksum_init(char *, size_t);
static void	 checksum_update(const void *, size_t);
static void	 checksum_final(void);
static void	 checksum_free(void);
static int	 checksum_begin(int, off_t, uint64_t, uint64_t, char *,
		     size_t);
static uint64_t	 checksum_avail(void);
static void	 checksum_stop(void);

/*
 * A follower (zcrecv, hashing what it stores) waits here for the writer
 * to report more bytes: cs.avail and cs.last are under the mutex.
 */
static pthread_mutex_t	checksum_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	checksum_cv = PTHREAD_COND_INITIALIZER;

static struct {
	int		 started;
	int		 threaded;	/* a thread runs or ran: join it */
	int		 joined;
	pthread_t	 thread;
	int		 done_pipe[2];	/* the thread writes a byte as it ends */
	unsigned char	*buf;		/* the thread's CHECKSUM_BLOCK */
	atomic_int	 stop;
	int		 fd;
	off_t		 start;
	uint64_t	 len;		/* COUNT_TO_EOF: until end of file */
	uint64_t	 done;
	int		 err;		/* errno of a failed read; -1: shrank */
	int64_t		 start_ns;
	int64_t		 end_ns;
#ifdef HAVE_LIBCRYPTO
	EVP_MD_CTX	*ctx;
#else
	SHA2_CTX	 ctx;
#endif
	int		 follow;	/* hash up to avail as it grows */
	uint64_t	 avail;		/* bytes of the range written so far */
	int		 last;		/* avail is final */
	int		 ended;		/* hex holds the digest */
	char		 hex[CHECKSUM_HEX_LEN];
} cs;

#ifdef HAVE_LIBCRYPTO
/*
 * The library's SHA-256 behind four calls, libcrypto loaded on the first
 * (ossl.h). Returns -1 with msg set when it does not load or memory is
 * short.
 */
static int
checksum_init(char *msg, size_t msglen)
{
	if (checksum_load(msg, msglen) == -1)
		return -1;
	if ((cs.ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(cs.ctx, EVP_sha256(), NULL) != 1) {
		checksum_free();
		snprintf(msg, msglen, "checksum: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/*
 * Load libcrypto (ossl.h), once: the programs call this as soon as the
 * command line asks for --checksum, so that a library that does not load
 * fails the run before any connection. Returns -1 with msg set if so.
 */
int
checksum_load(char *msg, size_t msglen)
{
	char	why[200];

	if (ossl_load(OSSL_HASH, why, sizeof(why)) == -1) {
		snprintf(msg, msglen, "checksum: %s", why);
		return -1;
	}
	return 0;
}

static void
checksum_update(const void *buf, size_t len)
{
	if (EVP_DigestUpdate(cs.ctx, buf, len) != 1)
		cs.err = EIO;
}

/* The digest into cs.hex, in lowercase hex. */
static void
checksum_final(void)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	len = 0;
	size_t		i;

	if (EVP_DigestFinal_ex(cs.ctx, md, &len) != 1)
		len = 0;
	for (i = 0; i < len && 2 * i + 2 < sizeof(cs.hex); i++)
		snprintf(cs.hex + 2 * i, 3, "%02x", md[i]);
	cs.hex[2 * i] = '\0';
}

static void
checksum_free(void)
{
	/* Never loaded, the library has no function to call yet. */
	if (cs.ctx != NULL)
		EVP_MD_CTX_free(cs.ctx);
	cs.ctx = NULL;
}

const char *
checksum_impl(void)
{
	return "OpenSSL";
}
#else /* libmd */
static int
checksum_init(char *msg, size_t msglen)
{
	(void)msg;
	(void)msglen;
	SHA256Init(&cs.ctx);
	return 0;
}

/* libmd is linked: nothing to load. */
int
checksum_load(char *msg, size_t msglen)
{
	(void)msg;
	(void)msglen;
	return 0;
}

static void
checksum_update(const void *buf, size_t len)
{
	SHA256Update(&cs.ctx, buf, len);
}

static void
checksum_final(void)
{
	SHA256End(&cs.ctx, cs.hex);
}

static void
checksum_free(void)
{
}

const char *
checksum_impl(void)
{
	return "libmd";
}
#endif /* HAVE_LIBCRYPTO */

/*
 * The hashing thread: pread the range in blocks into cs.buf, until done or
 * stopped. Its one way out writes to done_pipe, which checksum_wait polls.
 */
static void *
checksum_thread(void *arg)
{
	unsigned char	*buf = cs.buf;
	uint64_t	 left;
	size_t		 want;
	ssize_t		 n;

	(void)arg;
	while (!atomic_load(&cs.stop)) {
		if (cs.follow)
			left = checksum_avail();
		else
			left = cs.len == COUNT_TO_EOF ? CHECKSUM_BLOCK :
			    cs.len - cs.done;
		if (left == 0)
			break;
		want = left < CHECKSUM_BLOCK ? (size_t)left : CHECKSUM_BLOCK;
		n = pread(cs.fd, buf, want, cs.start + (off_t)cs.done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cs.err = errno;
			break;
		}
		if (n == 0) {
			if (cs.len != COUNT_TO_EOF || cs.follow)
				cs.err = -1;
			break;
		}
		checksum_update(buf, (size_t)n);
		cs.done += (uint64_t)n;
	}
	cs.end_ns = loop_now_ns();
	(void)write(cs.done_pipe[1], "", 1);
	return NULL;
}

/*
 * Wait for the hashing thread to end, in loop_wait, so that a stop signal
 * ends the wait. Returns 0 once the thread has ended, or the signal's exit
 * status: the thread is then stopped (after the pread it is in) and joined.
 */
static int
checksum_wait(void)
{
	struct pollfd	pfd;

	pfd.fd = cs.done_pipe[0];
	pfd.events = POLLIN;
	pfd.revents = 0;
	/* A thread that ended is not undone by a signal caught earlier. */
	while (poll(&pfd, 1, 0) == 0) {
		if (loop_wait(&pfd, 1, -1) != -1)
			continue;	/* it ended, or another signal: look */
		if (!loop_signalled())
			break;		/* poll failed: join, which waits */
		checksum_stop();
		checksum_join();
		return loop_signal_status();
	}
	checksum_join();
	return 0;
}

/* Join the hashing thread, once, and free its pipe and buffer. */
static void
checksum_join(void)
{
	if (!cs.threaded || cs.joined)
		return;
	pthread_join(cs.thread, NULL);
	cs.joined = 1;
	close(cs.done_pipe[0]);
	close(cs.done_pipe[1]);
	free(cs.buf);
	cs.buf = NULL;
}

/*
 * A follower's next run of bytes: wait until the writer reported more
 * than was hashed, or that it is done. Returns how many bytes may be
 * read now, 0 once there are no more (or the hash was stopped).
 */
static uint64_t
checksum_avail(void)
{
	uint64_t	left;

	pthread_mutex_lock(&checksum_mu);
	while (!atomic_load(&cs.stop) && cs.avail == cs.done && !cs.last)
		pthread_cond_wait(&checksum_cv, &checksum_mu);
	left = atomic_load(&cs.stop) ? 0 : cs.avail - cs.done;
	pthread_mutex_unlock(&checksum_mu);
	return left;
}

/* Ask the thread to stop after its current read, and wake a follower. */
static void
checksum_stop(void)
{
	atomic_store(&cs.stop, 1);
	pthread_mutex_lock(&checksum_mu);
	pthread_cond_broadcast(&checksum_cv);
	pthread_mutex_unlock(&checksum_mu);
}

/*
 * Start hashing: len bytes of fd from start (COUNT_TO_EOF: to its end) on
 * a thread of their own, or with start -1, a stream whose bytes come
 * through checksum_feed. Returns 0, or -1 with msg set.
 */
int
checksum_start(int fd, off_t start, uint64_t len, char *msg, size_t msglen)
{
	return checksum_begin(fd, start, len, UINT64_MAX, msg, msglen);
}

/*
 * Start hashing fd from start while it is written (zcrecv): the thread
 * reads, from the page cache, the have bytes there already and then what
 * checksum_grow reports, until it reports the last. Returns as
 * checksum_start.
 */
int
checksum_start_follow(int fd, off_t start, uint64_t have, char *msg,
    size_t msglen)
{
	return checksum_begin(fd, start, COUNT_TO_EOF, have, msg, msglen);
}

/* The writer's report: avail bytes of the range are written; last: all. */
void
checksum_grow(uint64_t avail, int last)
{
	if (!cs.follow)
		return;
	pthread_mutex_lock(&checksum_mu);
	cs.avail = avail;
	cs.last = last;
	pthread_cond_broadcast(&checksum_cv);
	pthread_mutex_unlock(&checksum_mu);
}

/* checksum_start, or with have not UINT64_MAX, checksum_start_follow. */
static int
checksum_begin(int fd, off_t start, uint64_t len, uint64_t have, char *msg,
    size_t msglen)
{
	sigset_t	all, old;
	int		err;

	checksum_free();
	memset(&cs, 0, sizeof(cs));
	atomic_init(&cs.stop, 0);
	cs.follow = have != UINT64_MAX;
	cs.avail = cs.follow ? have : 0;
	if (checksum_init(msg, msglen) == -1)
		return -1;
	cs.started = 1;
	cs.fd = fd;
	cs.start = start;
	cs.len = len;
	/* Nothing hashed yet took no time: never a negative one for -v. */
	cs.start_ns = cs.end_ns = loop_now_ns();
	if (start < 0)
		return 0;
	if (pipe(cs.done_pipe) == -1) {
		snprintf(msg, msglen, "checksum thread: %s", strerror(errno));
		return -1;
	}
	/*
	 * The thread's buffer comes from here, so that it has no failure of
	 * its own that could end it before it writes to done_pipe.
	 */
	if (fcntl(cs.done_pipe[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(cs.done_pipe[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    (cs.buf = malloc(CHECKSUM_BLOCK)) == NULL)
		err = errno;
	else {
		/* Signals are for the main thread's loop, never for this one. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		err = pthread_create(&cs.thread, NULL, checksum_thread, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (err != 0) {
		close(cs.done_pipe[0]);
		close(cs.done_pipe[1]);
		free(cs.buf);
		cs.buf = NULL;
		snprintf(msg, msglen, "checksum thread: %s", strerror(err));
		return -1;
	}
	cs.threaded = 1;
	return 0;
}

/* A stream's bytes, as they go out. */
void
checksum_feed(const void *buf, size_t len)
{
	if (cs.started && !cs.threaded) {
		checksum_update(buf, len);
		cs.done += len;
		cs.end_ns = loop_now_ns();
	}
}

/*
 * Wait for the digest; a stop signal (SIGHUP, SIGINT, SIGTERM) ends the
 * wait. Returns 0 with *hex set to it (lowercase, as sha256sum prints
 * it), or an exit status with msg set ("NAME: why"): 74 when it could not
 * be computed, 129, 130 or 143 when a signal came first. For a stream,
 * sent is the number of file bytes that went out: a digest of fewer (or
 * more) bytes than that vouches for nothing, and is refused.
 */
int
checksum_result(const char *name, uint64_t sent, const char **hex,
    char *msg, size_t msglen)
{
	char	total[32] = "";
	int	status;

	if (!cs.started) {
		snprintf(msg, msglen, "checksum: not started");
		return EXIT_IOERR;
	}
	if (cs.threaded && !cs.joined && (status = checksum_wait()) != 0) {
		if (cs.len != COUNT_TO_EOF)
			snprintf(total, sizeof(total), " of %ju",
			    (uintmax_t)cs.len);
		snprintf(msg, msglen, "interrupted by %s: checksum %s: hashed "
		    "%ju%s bytes", loop_signal_name(), name,
		    (uintmax_t)cs.done, total);
		return status;
	}
	if (cs.err != 0 || atomic_load(&cs.stop)) {
		snprintf(msg, msglen, "checksum %s: %s", name,
		    cs.err == -1 ? "file shrank while it was hashed" :
		    cs.err != 0 ? strerror(cs.err) : "stopped");
		return EXIT_IOERR;
	}
	if (!cs.threaded && cs.done != sent) {
		snprintf(msg, msglen, "checksum %s: hashed %ju bytes of the "
		    "%ju sent", name, (uintmax_t)cs.done, (uintmax_t)sent);
		return EXIT_IOERR;
	}
	if (!cs.ended) {
		checksum_final();
		checksum_free();
		cs.ended = 1;
	}
	*hex = cs.hex;
	return 0;
}

/* The digest if checksum_result produced it already, else NULL. */
const char *
checksum_hex(void)
{
	return cs.ended ? cs.hex : NULL;
}

/* Bytes hashed and the seconds it took, for -v. */
void
checksum_stats(uint64_t *bytes, double *secs)
{
	*bytes = cs.done;
	*secs = (double)(cs.end_ns - cs.start_ns) / 1e9;
}

/*
 * Stop a hashing thread that is no longer wanted, wait for it, and free
 * what the hash holds; the digest, if made, stays readable.
 */
void
checksum_cancel(void)
{
	if (cs.threaded && !cs.joined) {
		checksum_stop();
		checksum_join();
	}
	checksum_free();
}

int
checksum_available(void)
{
	return 1;
}
#else /* !CHECKSUM_SHA256 */
int
checksum_load(char *msg, size_t msglen)
{
	snprintf(msg, msglen, "checksum: built without libcrypto or libmd");
	return -1;
}

int
checksum_start(int fd, off_t start, uint64_t len, char *msg, size_t msglen)
{
	(void)fd;
	(void)start;
	(void)len;
	snprintf(msg, msglen, "checksum: built without libcrypto or libmd");
	return -1;
}

int
checksum_start_follow(int fd, off_t start, uint64_t have, char *msg,
    size_t msglen)
{
	return checksum_start(fd, start, have, msg, msglen);
}

void
checksum_grow(uint64_t avail, int last)
{
	(void)avail;
	(void)last;
}

void
checksum_feed(const void *buf, size_t len)
{
	(void)buf;
	(void)len;
}

int
checksum_result(const char *name, uint64_t sent, const char **hex,
    char *msg, size_t msglen)
{
	(void)sent;
	(void)hex;
	snprintf(msg, msglen, "checksum %s: built without libcrypto or libmd",
	    name);
	return EXIT_IOERR;
}

const char *
checksum_hex(void)
{
	return NULL;
}

void
checksum_stats(uint64_t *bytes, double *secs)
{
	*bytes = 0;
	*secs = 0.0;
}

void
checksum_cancel(void)
{
}

int
checksum_available(void)
{
	return 0;
}

const char *
checksum_impl(void)
{
	return "none";
}
#endif /* CHECKSUM_SHA256 */

/*
 * Once the transfers xs are over: if any completed, wait for the digest;
 * if it could not be computed, those transfers fail with the reason (exit
 * 74), since what they sent is not vouched for, and so they do when a stop
 * signal ends the wait (129, 130, 143); with --to each names its
 * destination ("send to PEER: why"). If none completed, the hashing goes
 * on (listen mode has clients to come): checksum_cancel stops it.
 * Returns the digest, or NULL.
 */
const char *
checksum_settle(struct xfer *const *xs, size_t n, const char *name)
{
	const char	*hex = NULL;
	char		 msg[256];
	uint64_t	 sent = 0;
	size_t		 i;
	int		 done = 0, status;

	/* A stream has one receiver: the bytes it got are those hashed. */
	for (i = 0; i < n; i++)
		if (xfer_phase(xs[i]) == XFER_DONE && !done++)
			sent = xfer_file_done(xs[i]);
	if (!done)
		return checksum_hex();
	if ((status = checksum_result(name, sent, &hex, msg,
	    sizeof(msg))) == 0) {
		/* --ack: the receiver's digest must be this one. */
		for (i = 0; i < n; i++)
			xfer_ack_digest(xs[i], hex);
		return hex;
	}
	/* With --to each line names its destination, as a send's failure. */
	for (i = 0; i < n; i++)
		xfer_fail_after(xs[i], status, "%s", msg);
	return NULL;
}

/*
 * The digest line of the summary, as "sha256 HEX"; with verbose, how fast
 * the hashing went too.
 */
void
checksum_report(int verbose)
{
	char		rate[32];
	uint64_t	bytes;
	double		secs;

	if (checksum_hex() == NULL)
		return;
	msg_warnx("sha256 %s", checksum_hex());
	if (!verbose)
		return;
	checksum_stats(&bytes, &secs);
	format_size(rate, sizeof(rate), secs > 0 ? (double)bytes / secs : 0.0);
	msg_warnx("hashed %ju bytes in %.3f s (%s, %s/s)", (uintmax_t)bytes,
	    secs, checksum_impl(), rate);
}
