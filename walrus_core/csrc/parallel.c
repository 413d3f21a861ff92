#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "parallel.h"

#include <stdlib.h>
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

unsigned wc_cpu_count(void)
{
#if defined(_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (unsigned)si.dwNumberOfProcessors : 1u;
#else
#if defined(__linux__)
    /* The CPUs this process may run on (taskset, cpusets, containers), not
     * every CPU online: more threads than that only take turns. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int c = CPU_COUNT(&set);
        if (c > 0) return (unsigned)c;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
#endif
}

int wc_parallel_for(size_t n_tasks, unsigned threads, wc_task_fn task, void *ctx)
{
    struct pool p = {n_tasks, task, ctx, 0};
    if (threads > n_tasks) threads = (unsigned)n_tasks;
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
