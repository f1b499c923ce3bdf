/* SPDX-License-Identifier: ISC */
/*
 * A simulated kernel for the sendfile backends' unit tests.
 *
 * Each platform's test renames the backend's system calls (through a
 * fake-<os>.h header force-included with -include) to functions that play
 * that platform's kernel against this state: a file held in memory, a
 * socket that records every byte it accepts, and a script of what each
 * call may do. The real transfer engine (xfer.c) then pushes header, file
 * range and trailer through the adapter, and the tests compare what the
 * socket received with header || file[range] || trailer, and the engine's
 * outcome with what the user would see.
 */

#ifndef SIMKERN_H
#define SIMKERN_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define SIM_SOCK	sim_sock	/* the socket the fakes accept */
#define SIM_FILE	sim_file	/* the file descriptor they read */
#define SIM_ALL		((size_t)-1)	/* no limit on a call */
#define SIM_NOSHRINK	((off_t)-1)
#define SIM_MAXSTEPS	8192

/*
 * One scripted kernel call: the socket takes at most limit bytes, then the
 * call ends with err (0: as the platform ends a short or complete call).
 * shrink, if not SIM_NOSHRINK, truncates the file just before the call
 * (before the adapter's own look at it); race, if not SIM_NOSHRINK,
 * truncates it inside the call, once race_after file bytes went out, where
 * the adapter cannot see it coming. With no step left a call is unlimited
 * and succeeds.
 */
struct sim_step {
	size_t	limit;
	int	err;
	off_t	shrink;
	off_t	race;
	size_t	race_after;
};

/* A run of bytes a call wants to write. */
struct sim_seg {
	const unsigned char	*p;
	size_t			 len;
};

struct sim {
	unsigned char	*file;		/* sim_pattern() bytes */
	size_t		 file_cap;	/* the size it started with */
	off_t		 size;		/* current file size */

	unsigned char	*out;		/* what the socket accepted */
	size_t		 out_len;
	size_t		 out_cap;

	struct sim_step	 steps[SIM_MAXSTEPS];
	size_t		 nsteps;
	size_t		 next;

	unsigned	 calls;		/* sendfile-like and writev calls */
	unsigned	 sendfile_calls;
	unsigned	 writev_calls;
	unsigned	 hdtr_calls;	/* calls given a header/trailer */
	int		 flags_seen;	/* flags of every call, or-ed */
	char		 violation[256];	/* a broken kernel rule */

	int		 opt_calls;	/* setsockopt */
	int		 opt_level;
	int		 opt_name;
	int		 opt_value;

	const char	*fstype;	/* filesystem name, NULL: call fails */

	size_t		 maxblk;	/* illumos: small-chunk path below 4x */
	int		 zcopy;		/* illumos: file vectors go zero-copy */
};

extern struct sim	sim;
extern int		sim_sock;
extern int		sim_file;

void		 sim_reset(size_t);
void		 sim_push(size_t, int);
void		 sim_push_n(size_t, size_t, int);
void		 sim_push_shrink(off_t);
void		 sim_push_race(size_t, off_t);
int		 sim_race(struct sim_step *, size_t);
struct sim_step	 sim_step(void);
void		 sim_shrink_now(void);
void		 sim_violate(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
size_t		 sim_send(const struct sim_seg *, int, size_t);
size_t		 sim_left(size_t, size_t);
size_t		 sim_file_avail(off_t);
unsigned char	 sim_pattern(size_t);
unsigned	 sim_random(void);
void		 sim_seed(unsigned);

/* Kernel entry points shared by several platforms (simkern.c). */
ssize_t		 fake_writev(int, const struct iovec *, int);
int		 fake_fstat(int, struct stat *);
int		 fake_setsockopt(int, int, int, const void *, socklen_t);

/* A transfer through the real engine, and its outcome. */
enum drive_status {
	DRIVE_DONE,		/* exit 0: every byte went out */
	DRIVE_EOF,		/* exit 74, "file shrank" */
	DRIVE_ERROR,		/* any other failure */
	DRIVE_BROKEN		/* the adapter broke its contract */
};

struct drive {
	const unsigned char	*hdr;
	size_t			 hdr_len;
	off_t			 off;		/* -1: a stream */
	size_t			 len;
	int			 to_eof;	/* send until end of file */
	const unsigned char	*trl;
	size_t			 trl_len;
	size_t			 max_chunk;
	int			 flags;
	enum send_mode		 mode;
	size_t			 block_size;	/* readwrite buffer */
	int			 close_timeout_ms;
	int			 sock;		/* -1: a socketpair of its own */
	int			 fd;		/* -1: SIM_FILE */

	enum drive_status	 status;
	int			 exit;		/* the engine's exit status */
	char			 error[256];	/* and its message */
	int			 err;		/* the adapter's last errno */
	int			 fallback_errno;	/* 0: no fallback */
	const char		*backend;	/* what carried the bytes last */
	unsigned		 calls;		/* adapter calls */
	unsigned		 waits;		/* steps that waited */
	size_t			 hdr_done;
	size_t			 file_done;
	size_t			 trl_done;
	char			 why[256];
};

void		 drive_init(struct drive *, const char *, off_t, size_t,
		    const char *);
enum drive_status drive_run(struct drive *);
int		 sim_engine_run(struct drive *, const struct backend *);
int		 drive_stream_ok(const struct drive *);
int		 drive_done_ok(struct drive *);
int		 drive_fallback_ok(struct drive *, int);
void		 chunk_init(struct sf_chunk *, const char *, off_t, size_t,
		    const char *);

/* Scenarios every adapter must pass (simkern.c). */
int		 test_plain(void);
int		 test_hdr_trl(void);
int		 test_trickle(void);
int		 test_eagain_progress(void);
int		 test_eagain_nothing(void);
int		 test_eintr_progress(void);
int		 test_eintr_nothing(void);
int		 test_ebusy(void);
int		 test_hard_error(void);
int		 test_error_after_progress(void);
int		 test_range_chunks(void);
int		 test_empty_range(void);
int		 test_eof_zero(void);
int		 test_eof_header(void);
int		 test_short_file(void);
int		 test_shrink_mid(void);
int		 test_stream_refused(void);
int		 test_fallback_errno(void);
int		 test_random(void);

#endif /* SIMKERN_H */
