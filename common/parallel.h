/* parallel.h: one way of spreading a batch's CPU work (signature verification, signing) over
 * threads. The work is split into contiguous shares; the calling thread takes the first, a
 * thread per further share is started and joined before return. Threads are started per call
 * (a batch is hundreds of records: the cost of a start is tens of microseconds). */
#ifndef GFDX_PARALLEL_H
#define GFDX_PARALLEL_H

#include <stddef.h>

#define GFDX_PARALLEL_MAX 64

/* Calls fn(ctx, lo, hi) for consecutive shares [lo, hi) of [0, n) on at most `threads`
 * threads (the caller's included), with at least min_share items per share. fn must be
 * safe to run on shares at once (it touches only its items, or state that is thread-safe).
 * A thread that cannot be started leaves its share to the caller: the work is always done. */
void gfdx_parallel_for(size_t n, int threads, size_t min_share, void (*fn)(void *ctx, size_t lo, size_t hi),
                       void *ctx);

#endif
