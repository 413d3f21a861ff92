/* The backend table: portable is always there and last, names resolve,
 * selection refuses unknown names. */
#include "cpu.h"
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
    return wc_test_report("test_dispatch");
}
