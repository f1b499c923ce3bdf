/* SPDX-License-Identifier: ISC */
/*
 * How the engine tells things without printing: note_emit formats a line
 * and hands it to the hook its caller gave (xfer_params.note), or drops it
 * when there is none, as in libzcsend. format_size is the byte format the
 * engine's messages share with the command.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "engine.h"
#include "xfer-int.h"

/* Format a note and give it to hook; NULL hook: nobody listens. */
void
note_emit(void (*hook)(const char *), const char *fmt, ...)
{
	char	line[4096];
	va_list	ap;

	if (hook == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hook(line);
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
