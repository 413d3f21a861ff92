/* A minimal fork-join helper over native threads (pthreads or Win32), so the
 * 2-D encoder can use every core without OpenMP. */
#ifndef WC_PARALLEL_H
#define WC_PARALLEL_H

#include <stddef.h>

/* Calls task(ctx, i, worker) for every i in [0, n_tasks), spread over
 * `threads` workers (worker in [0, threads)); tasks are handed out one at a
 * time from a shared counter, so uneven tasks balance. threads <= 1 runs
 * inline on the caller's thread. Returns 0, or -1 if threads could not be
 * started (then everything ran on the caller's thread anyway). */
typedef void (*wc_task_fn)(void *ctx, size_t index, unsigned worker);
int wc_parallel_for(size_t n_tasks, unsigned threads, wc_task_fn task, void *ctx);

/* CPUs this process may run on: its affinity mask on Linux, else the
 * online CPUs (at least 1). */
unsigned wc_cpu_count(void);

#endif
