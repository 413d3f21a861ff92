/* Micro-benchmark of the RS kernels: MB/s per backend and operation for
 * lengths 256 B (a typical tile of the codec) and 1 KiB .. 64 KiB (buffers stay in
 * L1/L2). Not a test: run `make -C tests/c bench`. Throughput counts `bytes`
 * per call (the length of one operand; a butterfly reads and writes two such
 * buffers). Multipliers cycle through 1024 distinct logs, about what one
 * n = 1000 transform uses, so their lookup tables come from cache as in real
 * use. Each figure is the best of 50 short trials (the CI machine is shared).
 * Usage: bench_rs_kernels [seconds_per_case (default 0.1)] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gf16.h"
#include "wc_test.h"

static double now(void)
{
    struct timespec ts; /* C11 timespec_get: also on MSVC, no POSIX macros needed */
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    double per_case = argc > 1 ? atof(argv[1]) : 0.1;
    if (per_case <= 0) per_case = 0.1;
    static const size_t sizes[] = {256, 1024, 4096, 16384, 65536};
    static uint16_t logs[1024];
    for (size_t i = 0; i < 1024; i++) logs[i] = (uint16_t)((i * 40503u + 7u) % 65535u);
    const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
    wc_gf16_init();
    uint8_t *x = (uint8_t *)wc_aligned_alloc(65536), *y = (uint8_t *)wc_aligned_alloc(65536);
    if (!x || !y) return 2;
    wc_test_fill(x, 65536, 1);
    wc_test_fill(y, 65536, 2);

    printf("%-9s %-15s", "backend", "op");
    for (size_t s = 0; s < nsizes; s++) printf(" %8zuB", sizes[s]);
    printf("   (MB/s, 1 MB = 1e6 bytes)\n");
    FOR_EACH_BACKEND(kern)
    {
        const struct wc_rs_kernels *k = kern->rs;
        if (!k || !k->fft_butterfly || !k->ifft_butterfly || !k->mul || !k->xor_into) {
            printf("%-9s (RS kernels missing)\n", kern->name);
            continue;
        }
        for (int op = 0; op < OP_COUNT; op++) {
            printf("%-9s %-15s", kern->name, wc_test_rs_op_names[op]);
            for (size_t s = 0; s < nsizes; s++) {
                size_t n = sizes[s], li = 0;
                double best = 0;
                for (int trial = 0; trial < 50; trial++) {
                    size_t iters = 0, batch = 1 + (1u << 18) / n;
                    double t0 = now(), t;
                    do {
                        for (size_t i = 0; i < batch; i++) {
                            wc_test_rs_op_run(k, (enum wc_test_rs_op)op, x, y, logs[li], n);
                            li = (li + 1) & 1023;
                        }
                        iters += batch;
                        t = now() - t0;
                    } while (t < per_case / 50);
                    double mbs = (double)iters * (double)n / t / 1e6;
                    if (mbs > best) best = mbs;
                }
                printf(" %9.0f", best);
                fflush(stdout);
            }
            printf("\n");
        }
    }
    wc_aligned_free(x);
    wc_aligned_free(y);
    return 0;
}
