/* parallel.c: see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    void (*fn)(void *ctx, size_t lo, size_t hi);
    void *ctx;
    size_t lo, hi;
} share;

static void *share_run(void *arg)
{
    const share *s = arg;
    s->fn(s->ctx, s->lo, s->hi);
    return NULL;
}

void gfdx_parallel_for(size_t n, int threads, size_t min_share, void (*fn)(void *ctx, size_t lo, size_t hi),
                       void *ctx)
{
    size_t nt = threads < 1 ? 1 : threads > GFDX_PARALLEL_MAX ? GFDX_PARALLEL_MAX : (size_t)threads;
    if (min_share < 1)
        min_share = 1;
    if (nt > n / min_share)
        nt = n / min_share ? n / min_share : 1;
    size_t per = (n + nt - 1) / nt;
    share s[GFDX_PARALLEL_MAX];
    pthread_t tid[GFDX_PARALLEL_MAX];
    bool started[GFDX_PARALLEL_MAX] = {false};
    for (size_t t = 0; t < nt; t++) {
        size_t lo = t * per < n ? t * per : n;
        s[t] = (share){fn, ctx, lo, lo + per < n ? lo + per : n};
        started[t] = t > 0 && pthread_create(&tid[t], NULL, share_run, &s[t]) == 0;
    }
    for (size_t t = 0; t < nt; t++)
        if (!started[t])
            share_run(&s[t]);
    for (size_t t = 1; t < nt; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}
