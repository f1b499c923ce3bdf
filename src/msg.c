/* SPDX-License-Identifier: ISC */
/*
 * The engine's one way to print a message, msg_warnx, and the byte-rate
 * format its messages share with the command. The command hooks in to
 * clear its progress line first (progress.c), so that no message lands
 * inside one; the engine itself draws nothing. libzcsend never asks for a
 * message, so it prints nothing.
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

/* Human-readable bytes, powers of 1024: "512 B", "85.3 MiB". */
void
format_size(char *buf, size_t size, double value)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	size_t	unit = 0;

	while (value >= 1024.0 && unit < sizeof(units) / sizeof(units[0]) - 1) {
		value /= 1024.0;
		unit++;
	}
	/* What rounds up to 1024.0 is shown in the next unit. */
	if (unit > 0 && value >= 1023.95 &&
	    unit < sizeof(units) / sizeof(units[0]) - 1) {
		value /= 1024.0;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%.0f %s", value, units[unit]);
	else
		snprintf(buf, size, "%.1f %s", value, units[unit]);
}
