/* SPDX-License-Identifier: ISC */
/*
 * The command's one way to print a message, msg_warnx, and msg_note, the
 * sink it gives the engine for its -v and --retry notes (the engine itself
 * prints nothing). The display hooks in to clear its progress line first
 * (progress.c), so that no message lands inside one.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "zcsend.h"

/* Called before each message; NULL: nothing to clear. */
static void	(*msg_before)(void);

/* Have before called ahead of every message from now on. */
void
msg_hook(void (*before)(void))
{
	msg_before = before;
}

/*
 * "zcsend: what: why" on stderr, as warnx(3) does, after the hook has
 * cleared the terminal.
 */
void
msg_warnx(const char *fmt, ...)
{
	va_list	ap;

	if (msg_before != NULL)
		msg_before();
	fprintf(stderr, "%s: ", getprogname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* The engine's note hook (xfer_params.note): one line, as msg_warnx. */
void
msg_note(const char *line)
{
	msg_warnx("%s", line);
}
