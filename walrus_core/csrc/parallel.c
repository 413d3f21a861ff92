#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "parallel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sched.h>
#endif

#include "wc_internal.h"

#if defined(_WIN32)
#include <windows.h>
typedef HANDLE thread_t;
typedef volatile LONG64 counter_t;
static size_t next_index(counter_t *c)
{
    return (size_t)(InterlockedIncrement64(c) - 1);
}
#else
#include <pthread.h>
#include <unistd.h>
typedef pthread_t thread_t;
typedef size_t counter_t;
static size_t next_index(counter_t *c)
{
    return __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}
#endif

struct pool {
    size_t n_tasks;
    wc_task_fn task;
    void *ctx;
    counter_t next;
};

struct worker_arg {
    struct pool *pool;
    unsigned worker;
};

static void run_worker(struct pool *p, unsigned worker)
{
    for (;;) {
        size_t i = next_index(&p->next);
        if (i >= p->n_tasks) return;
        p->task(p->ctx, i, worker);
    }
}

#if defined(_WIN32)
static DWORD WINAPI thread_main(LPVOID arg)
{
    struct worker_arg *a = (struct worker_arg *)arg;
    run_worker(a->pool, a->worker);
    return 0;
}
#else
static void *thread_main(void *arg)
{
    struct worker_arg *a = (struct worker_arg *)arg;
    run_worker(a->pool, a->worker);
    return NULL;
}
#endif

unsigned wc_cpu_quota_cpus(const char *quota, const char *period)
{
    if (!quota || !period) return 0;
    char *end;
    errno = 0;
    long long q = strtoll(quota, &end, 10); /* "max" (v2) or -1 (v1): no limit */
    if (end == quota || errno || q <= 0) return 0;
    long long p = strtoll(period, &end, 10);
    if (end == period || errno || p <= 0) return 0;
    long long cpus = q / p + (q % p != 0);
    return cpus > 4096 ? 4096u : (unsigned)cpus;
}

#if defined(__linux__)
/* Read the first line of a small file into buf ("" when absent). */
static const char *read_line(const char *path, char *buf, size_t size)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf;
    if (!fgets(buf, (int)size, f)) buf[0] = 0;
    fclose(f);
    return buf;
}

/* CPUs' worth of time a container's CPU quota allows (docker --cpus,
 * Kubernetes limits), 0 when there is none: cgroup v2 cpu.max, else v1. */
static unsigned read_cgroup_cpu_limit(void)
{
    char a[64], b[64];
    read_line("/sys/fs/cgroup/cpu.max", a, sizeof a);
    if (a[0]) {
        char *sp = strchr(a, ' ');
        if (!sp) return 0;
        *sp = 0;
        return wc_cpu_quota_cpus(a, sp + 1);
    }
    return wc_cpu_quota_cpus(read_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", a, sizeof a),
                             read_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us", b, sizeof b));
}

/* Read once per process: the files cost ~30 us, and every threads=0 call
 * asks for the CPU count. */
static unsigned cgroup_limit;
static pthread_once_t cgroup_limit_once = PTHREAD_ONCE_INIT;

static void load_cgroup_limit(void)
{
    cgroup_limit = read_cgroup_cpu_limit();
}

static unsigned cgroup_cpu_limit(void)
{
    pthread_once(&cgroup_limit_once, load_cgroup_limit);
    return cgroup_limit;
}
#endif

unsigned wc_cpu_count(void)
{
#if defined(_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (unsigned)si.dwNumberOfProcessors : 1u;
#else
    unsigned n = 0;
#if defined(__linux__)
    /* The CPUs this process may run on (taskset, cpusets), and no more than
     * its CPU quota allows: more threads than that only take turns. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) n = (unsigned)CPU_COUNT(&set);
#endif
    if (n == 0) { /* glibc reads a /sys file for this: only as the fallback */
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (unsigned)online : 1u;
    }
#if defined(__linux__)
    unsigned limit = cgroup_cpu_limit();
    if (limit && limit < n) n = limit;
#endif
    return n;
#endif
}

unsigned wc_thread_count(unsigned requested, size_t tasks)
{
    size_t n = requested;
    if (n > WC_MAX_THREADS) n = WC_MAX_THREADS;
    if (n > tasks) n = tasks;
    return n ? (unsigned)n : 1u;
}

int wc_parallel_for(size_t n_tasks, unsigned threads, wc_task_fn task, void *ctx)
{
    struct pool p = {n_tasks, task, ctx, 0};
    threads = wc_thread_count(threads, n_tasks);
    if (threads <= 1) {
        run_worker(&p, 0);
        return 0;
    }
    thread_t *ids = (thread_t *)calloc(threads, sizeof(thread_t));
    struct worker_arg *args = (struct worker_arg *)calloc(threads, sizeof(struct worker_arg));
    int rc = 0;
    unsigned started = 0;
    if (!ids || !args) {
        rc = -1;
    } else {
        /* Worker 0 is the calling thread itself. */
        for (unsigned w = 1; w < threads; w++) {
            args[w].pool = &p;
            args[w].worker = w;
#if defined(_WIN32)
            ids[w] = CreateThread(NULL, 0, thread_main, &args[w], 0, NULL);
            if (!ids[w]) {
                rc = -1;
                break;
            }
#else
            if (pthread_create(&ids[w], NULL, thread_main, &args[w]) != 0) {
                rc = -1;
                break;
            }
#endif
            started = w;
        }
    }
    run_worker(&p, 0);
    for (unsigned w = 1; w <= started; w++) {
#if defined(_WIN32)
        WaitForSingleObject(ids[w], INFINITE);
        CloseHandle(ids[w]);
#else
        pthread_join(ids[w], NULL);
#endif
    }
    free(ids);
    free(args);
    return rc;
}
