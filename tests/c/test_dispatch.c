/* The backend table: portable is always there and last, names resolve,
 * selection refuses unknown names; CPU quotas; the thread cap. */
#include "cpu.h"
#include "parallel.h"
#include "wc_test.h"

/* Every task records the highest worker index that ran it. */
struct seen {
    unsigned max_worker;
    size_t runs;
};

static void record(void *ctx, size_t index, unsigned worker)
{
    struct seen *s = (struct seen *)ctx;
    (void)index;
    unsigned cur = __atomic_load_n(&s->max_worker, __ATOMIC_RELAXED);
    while (worker > cur && !__atomic_compare_exchange_n(&s->max_worker, &cur, worker, 0, __ATOMIC_RELAXED,
                                                        __ATOMIC_RELAXED)) {
    }
    __atomic_fetch_add(&s->runs, 1, __ATOMIC_RELAXED);
}

/* However many threads are asked for, no more than WC_MAX_THREADS (and no
 * more than tasks) run, and every task runs once. */
static void test_thread_cap(void)
{
    CHECK_EQ_INT(wc_thread_count(4096, 100000), WC_MAX_THREADS);
    CHECK_EQ_INT(wc_thread_count(4096, 3), 3);
    CHECK_EQ_INT(wc_thread_count(0, 10), 1);
    CHECK_EQ_INT(wc_thread_count(5, 0), 1);
    static const size_t tasks[] = {0, 1, 3, 1000};
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        struct seen s = {0, 0};
        CHECK_EQ_INT(wc_parallel_for(tasks[i], 4096, record, &s), 0);
        CHECK_EQ_INT(s.runs, tasks[i]);
        CHECK(s.max_worker < WC_MAX_THREADS);
        CHECK(tasks[i] == 0 || s.max_worker < tasks[i]);
    }
}

int main(void)
{
    test_thread_cap();
    size_t n = wc_backend_count();
    CHECK(n >= 1);
    CHECK(strcmp(wc_backend_at(n - 1)->name, "portable") == 0);
    CHECK(wc_backend_at(n) == NULL);
    CHECK(wc_backend_supported(wc_backend_find("portable")));
    CHECK(wc_backend_find("no-such-isa") == NULL);
    CHECK_EQ_INT(wc_backend_select("no-such-isa"), WC_ERR_BACKEND);
    CHECK_EQ_INT(wc_backend_select("portable"), WC_OK);
    CHECK(strcmp(wc_kernels_active()->name, "portable") == 0);
    CHECK_EQ_INT(wc_backend_select(NULL), WC_OK);
    for (size_t i = 0; i < n; i++) {
        const struct wc_kernels *k = wc_backend_at(i);
        CHECK(k->rs != NULL && k->hash != NULL);
        printf("  backend %-8s supported=%d\n", k->name, wc_backend_supported(k));
    }
    /* cgroup CPU quotas: ceil(quota / period), 0 = no limit */
    CHECK_EQ_INT(wc_cpu_quota_cpus("200000", "100000\n"), 2);
    CHECK_EQ_INT(wc_cpu_quota_cpus("150000", "100000"), 2);
    CHECK_EQ_INT(wc_cpu_quota_cpus("50000", "100000"), 1);
    CHECK_EQ_INT(wc_cpu_quota_cpus("max", "100000"), 0);
    CHECK_EQ_INT(wc_cpu_quota_cpus("-1\n", "100000\n"), 0);
    CHECK_EQ_INT(wc_cpu_quota_cpus("", ""), 0);
    CHECK_EQ_INT(wc_cpu_quota_cpus("100000", "0"), 0);
    CHECK_EQ_INT(wc_cpu_quota_cpus("99999999999999999999", "1"), 0);
    CHECK_EQ_INT(wc_cpu_quota_cpus("9000000000", "1"), 4096);
    CHECK_EQ_INT(wc_cpu_quota_cpus(NULL, "1"), 0);
    CHECK(wc_cpu_count() >= 1);
    printf("  cpu count %u\n", wc_cpu_count());
    return wc_test_report("test_dispatch");
}
