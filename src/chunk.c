/* SPDX-License-Identifier: ISC */
/*
 * The fast path's chunk: how many file bytes the next blocking sendfile
 * call is given (xfer-send.c). A call costs the same whatever its size,
 * so while the receiver keeps up the chunk doubles, and the transfer goes
 * out in a few dozen calls instead of thousands. A blocking call hands
 * the loop nothing until it returns (a signal still ends it at once), so
 * once a call shows the receiver slower the next chunk is cut back to
 * what CHUNK_QUICK_NS carries at that pace, and progress and the idle
 * timeout are looked at that often again. The clock is the caller's: the
 * unit tests drive it.
 */

#include "config.h"

#include <stdint.h>

#include "engine.h"
#include "xfer-int.h"

/*
 * The chunk after a call given chunk bytes that sent sent of them in
 * took_ns (fewer for the file's last bytes, or a call that its timeout or
 * a signal cut short). Doubled when all went in at most CHUNK_QUICK_NS;
 * scaled to what CHUNK_QUICK_NS
 * carries at the measured pace when it took over CHUNK_SLOW_NS; else
 * unchanged. Always from min_chunk to max_chunk: a max_chunk under
 * min_chunk fixes it at min_chunk.
 */
size_t
chunk_next(size_t chunk, size_t sent, int64_t took_ns, size_t min_chunk,
    size_t max_chunk)
{
	uint64_t	next = chunk;

	if (took_ns <= CHUNK_QUICK_NS && sent >= chunk)
		next = (uint64_t)chunk * 2;
	else if (took_ns > CHUNK_SLOW_NS)
		next = (uint64_t)sent * (uint64_t)CHUNK_QUICK_NS /
		    (uint64_t)took_ns;
	if (next > max_chunk)
		next = max_chunk;
	if (next < min_chunk)
		next = min_chunk;
	return (size_t)next;
}
