/* SPDX-License-Identifier: ISC */
/*
 * The ways of sending (--mode, and the rows of --bench): each mode's name,
 * its backend, and whether the running kernel lets it run.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zcsend.h"

static const struct {
	enum send_mode		 mode;
	const char		*name;
	const struct backend	*backend;
} modes[] = {
	{ MODE_SENDFILE, "sendfile", &sf_backend },
	{ MODE_SPLICE, "splice", &splice_backend },
	{ MODE_READWRITE, "readwrite", &rw_backend },
	{ MODE_MMAP, "mmap", &mmap_backend },
	{ MODE_ZEROCOPY, "msg_zerocopy", &zerocopy_backend },
	{ MODE_URING_SPLICE, "io_uring-splice", &uring_splice_backend },
	{ MODE_URING_SENDZC, "io_uring-sendzc", &uring_sendzc_backend }
};

#define NMODES	(sizeof(modes) / sizeof(modes[0]))

const struct backend *
mode_backend(enum send_mode mode)
{
	size_t	i;

	for (i = 0; i < NMODES; i++)
		if (modes[i].mode == mode)
			return modes[i].backend;
	return &sf_backend;
}

const char *
mode_name(enum send_mode mode)
{
	return mode_backend(mode)->name;
}

/*
 * The mode called name, if this build has it. Returns 0, or -1 with *list
 * set to the names it has, for the message.
 */
int
mode_parse(const char *name, enum send_mode *mode, const char **list)
{
	static char	names[256];
	char		*last;
	size_t		i;

	names[0] = '\0';
	for (i = 0; i < NMODES; i++) {
		if (modes[i].backend->send == NULL)
			continue;
		if (strcmp(name, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return 0;
		}
		if (names[0] != '\0')
			(void)strlcat(names, ", ", sizeof(names));
		(void)strlcat(names, modes[i].name, sizeof(names));
	}
	/* "a, b, c" reads "a, b or c". */
	if ((last = strrchr(names, ',')) != NULL) {
		memmove(last + 3, last + 1, strlen(last + 1) + 1);
		memcpy(last, " or", 3);
	}
	*list = names;
	return -1;
}

/*
 * The refusals of the mmap, MSG_ZEROCOPY and io_uring backends that
 * read/write can carry, before any byte went: a stream (ESPIPE), a file
 * that cannot be mapped (ENODEV, EACCES), a kernel or policy without the
 * feature (ENOSYS, EPERM, ENOPROTOOPT, EOPNOTSUPP, EINVAL).
 */
int
mode_refused(int err)
{
	return err == ESPIPE || err == ENODEV || err == EACCES ||
	    err == ENOSYS || err == EPERM || err == ENOPROTOOPT ||
	    err == EOPNOTSUPP || err == EINVAL;
}

/*
 * What the mmap, MSG_ZEROCOPY and io_uring backends do first. The header
 * goes with a plain send(2) (MSG_MORE: the file follows), and so does the
 * trailer once no file byte is asked for; a stream is refused (ESPIPE:
 * read/write carries it). Returns 1 with *n set to what the backend
 * returns when the call ends here, 0 when the file bytes are the backend's.
 */
int
mode_send_begin(const struct sf_chunk *c, struct sf_scratch *s, ssize_t *n)
{
	s->input_failed = 0;
	if (c->hdr_len > 0)
		*n = send(c->sock, c->hdr, c->hdr_len, MSG_NOSIGNAL | MSG_MORE);
	else if (c->file_len == 0)
		*n = c->trl_len > 0 ? send(c->sock, c->trl, c->trl_len,
		    MSG_NOSIGNAL) : 0;
	else if (c->file_off < 0) {
		errno = ESPIPE;
		*n = -1;
	} else
		return 0;
	return 1;
}

/*
 * Does the running kernel let mode run? Returns 0, or -1 with why set to
 * what refused it ("io_uring: not built", "io_uring_setup: Operation not
 * permitted", "SO_ZEROCOPY: Protocol not available"). Nothing is sent.
 */
int
mode_available(enum send_mode mode, int family, char *why, size_t whylen)
{
	switch (mode) {
	case MODE_URING_SPLICE:
	case MODE_URING_SENDZC:
		return uring_probe(mode == MODE_URING_SENDZC, why, whylen);
	case MODE_ZEROCOPY:
		return zerocopy_probe(family, why, whylen);
	case MODE_SPLICE:
		if (splice_backend.send == NULL) {
			snprintf(why, whylen, "splice: not on %s", SF_OS);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}
