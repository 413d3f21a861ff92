/* Merkle micro-benchmark (not a test): for each supported backend,
 *  - wc_merkle_root over 2^20 two-byte leaves (the bar: <= 0.15 s,
 *    one thread) beside the bare kernel doing the same 2^21 single-block
 *    hashes (so the tree's own overhead shows);
 *  - the row and column trees of a 1000 x 1000 leaf-hash matrix
 *    (wc_merkle_roots_many / _strided: the 2-D encoder's tree work);
 * then wc_merkle_root_threads on every CPU (wall time).
 * Best of 7 runs, thread CPU time except for the threaded case.
 *   make -C tests/c bench */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <time.h>

#include "merkle.h"
#include "parallel.h"
#include "wc_test.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define BEST_OF(clk, expr)                                                                                   \
    ({                                                                                                       \
        double best_ = 1e9;                                                                                  \
        for (int rep_ = 0; rep_ < 7; rep_++) {                                                               \
            double t0_ = clock_s(clk);                                                                       \
            expr;                                                                                            \
            double t_ = clock_s(clk) - t0_;                                                                  \
            if (t_ < best_) best_ = t_;                                                                      \
        }                                                                                                    \
        best_;                                                                                               \
    })

int main(void)
{
    const size_t n = (size_t)1 << 20, m = 1000;
    uint8_t *data = malloc(64 * n), *out = malloc(32 * n), root[32];
    const uint8_t **ptrs = malloc(sizeof(*ptrs) * 512);
    uint8_t *matrix = malloc(32 * m * m), *roots = malloc(32 * m);
    wc_test_fill(data, 64 * n, 1);
    wc_test_fill(matrix, 32 * m * m, 2);
    const clockid_t cpu = CLOCK_THREAD_CPUTIME_ID;
    printf("%-9s %14s %14s %16s %16s\n", "backend", "root 2^20x2B", "bare kernel", "1000 row trees",
           "1000 col trees");
    FOR_EACH_BACKEND(k)
    {
        double t_root = BEST_OF(cpu, wc_merkle_root(k, data, 2 * n, 2, root));
        double t_bare = BEST_OF(cpu, {
            for (size_t i = 0; i < n; i += 512) {
                for (size_t j = 0; j < 512; j++) ptrs[j] = data + 2 * (i + j);
                k->hash->blake2b256_many(ptrs, 2, 512, 0, out + 32 * i);
            }
            for (size_t i = 0; i < n; i += 512) {
                for (size_t j = 0; j < 512; j++) ptrs[j] = data + 64 * (i + j);
                k->hash->blake2b256_many(ptrs, 64, 512, 1, out + 32 * i);
            }
        });
        double t_rows = BEST_OF(cpu, wc_merkle_roots_many(k, matrix, 32 * m, m, m, roots));
        double t_cols = BEST_OF(cpu, wc_merkle_block_roots(k, matrix, 32 * m, 32, m, m, 0, roots, 32));
        printf("%-9s %12.4f s %12.4f s %14.4f s %14.4f s   (%.1f M hashes/s in the root)\n", k->name, t_root,
               t_bare, t_rows, t_cols, (2.0 * n - 1) / t_root / 1e6);
    }
    unsigned cpus = wc_cpu_count();
    double t_par =
        BEST_OF(CLOCK_MONOTONIC, wc_merkle_root_threads(wc_kernels_active(), data, 2 * n, 2, cpus, root));
    printf("%-9s root 2^20x2B on %u threads: %.4f s wall\n", wc_kernels_active()->name, cpus, t_par);
    free(data);
    free(out);
    free(ptrs);
    free(matrix);
    free(roots);
    return 0;
}
