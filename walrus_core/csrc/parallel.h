/* A minimal fork-join helper over native threads (pthreads or Win32), so the
 * 2-D encoder can use every core without OpenMP. */
#ifndef WC_PARALLEL_H
#define WC_PARALLEL_H

#include <stddef.h>

/* The most threads one call of any entry point runs on (the caller's
 * included): more only add start-up cost and memory. */
#define WC_MAX_THREADS 256u

/* Workers for `tasks` units of work when `requested` threads were asked
 * for: at most WC_MAX_THREADS and `tasks`, at least 1. */
unsigned wc_thread_count(unsigned requested, size_t tasks);

/* Calls task(ctx, i, worker) for every i in [0, n_tasks), spread over
 * wc_thread_count(threads, n_tasks) workers (worker in [0, that)); tasks
 * are handed out one at a time from a shared counter, so uneven tasks
 * balance. One worker runs inline on the caller's thread. Returns 0, or -1
 * if threads could not be started (then the caller's thread ran the rest). */
typedef void (*wc_task_fn)(void *ctx, size_t index, unsigned worker);
int wc_parallel_for(size_t n_tasks, unsigned threads, wc_task_fn task, void *ctx);

/* CPUs this process may run on: on Linux its affinity mask, capped by a
 * cgroup CPU quota (containers); elsewhere the online CPUs. At least 1. */
unsigned wc_cpu_count(void);

/* CPUs' worth of a cgroup quota: ceil(quota / period) from the two numbers
 * as text (cpu.max fields, or cfs_quota_us and cfs_period_us); 0 for no
 * limit ("max", -1) or text that is not a positive number. At most 4096. */
unsigned wc_cpu_quota_cpus(const char *quota, const char *period);

#endif
