/* The backend table: portable is always there and last, names resolve,
 * selection refuses unknown names. */
#include "cpu.h"
#include "parallel.h"
#include "wc_test.h"

int main(void)
{
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
