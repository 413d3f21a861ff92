/* Whole-codec benchmark: wc_rs_encode_with / wc_rs_decode_with at Walrus's
 * shapes on every compiled backend, outside Python (no allocator or
 * interpreter noise). Reports the median of many calls in MB/s of original
 * data. Not a test: `make -C tests/c bench`.
 * Usage: bench_rs_codec [seconds_per_case (default 0.2)] [tile_budget (0 keeps)]
 *                       [backend] [shard_size] [encode|decode] [fused 0|1] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "rs.h"
#include "tuning.h"
#include "wc_test.h"

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_TRIALS 4096

int main(int argc, char **argv)
{
    double per_case = argc > 1 ? atof(argv[1]) : 0.2;
    if (per_case <= 0) per_case = 0.2;
    if (argc > 2 && atol(argv[2]) > 0) {
        wc_knob_set(WC_KNOB_RS_TILE_BUDGET, (size_t)atol(argv[2]));
        wc_knob_set(WC_KNOB_RS_TILE_MIN, 64);
    }
    const char *only_backend = argc > 3 ? argv[3] : NULL;
    size_t only_size = argc > 4 ? (size_t)atol(argv[4]) : 0;
    const char *only_op = argc > 5 ? argv[5] : NULL;
    if (argc > 6) wc_knob_set(WC_KNOB_RS_FUSED, atoi(argv[6]) != 0);
    static const size_t shapes[][2] = {{334, 666}, {667, 333}};
    static const size_t sizes[] = {256, 512, 1024, 2048, 4096, 65536};
    static double trials[MAX_TRIALS];
    printf("%-9s %-6s %-10s %8s %10s %10s\n", "backend", "op", "shape", "S", "median_ms", "MB/s");
    for (size_t bi = 0; bi < wc_backend_count(); bi++) {
        const struct wc_kernels *kern = wc_backend_at(bi);
        if (!kern || !wc_backend_supported(kern)) continue;
        if (only_backend && strcmp(only_backend, kern->name) != 0) continue;
        for (size_t si = 0; si < 2; si++) {
            size_t k = shapes[si][0], r = shapes[si][1];
            for (size_t zi = 0; zi < sizeof(sizes) / sizeof(sizes[0]); zi++) {
                size_t S = sizes[zi];
                if (only_size && S != only_size) continue;
                uint8_t *buf = (uint8_t *)malloc((k + r + k) * S);
                const uint8_t **in = (const uint8_t **)malloc((k + r) * sizeof(*in));
                uint8_t **rec = (uint8_t **)malloc((k + r) * sizeof(*rec));
                if (!buf || !in || !rec) return 2;
                wc_test_fill(buf, k * S, (uint32_t)(k + S));
                for (size_t i = 0; i < k; i++) in[i] = buf + i * S;
                for (size_t j = 0; j < r; j++) rec[j] = buf + (k + j) * S;
                for (int op = 0; op < 2; op++) {
                    if (only_op && strcmp(only_op, op ? "decode" : "encode") != 0) continue;
                    size_t n = 0;
                    double end = now() + per_case;
                    do {
                        double t0 = now();
                        enum wc_status st;
                        if (op == 0) {
                            st = wc_rs_encode_with(kern, k, r, S, in, rec);
                        } else {
                            /* lose the first third of the originals */
                            const uint8_t **sh = (const uint8_t **)malloc((k + r) * sizeof(*sh));
                            uint8_t **out = (uint8_t **)malloc(k * sizeof(*out));
                            for (size_t i = 0; i < k + r; i++) sh[i] = buf + i * S;
                            for (size_t i = 0; i < (k + r) / 3; i++) sh[i] = NULL;
                            for (size_t i = 0; i < k; i++) out[i] = buf + (k + r + i) * S;
                            t0 = now();
                            st = wc_rs_decode_with(kern, k, r, S, sh, out);
                            free(sh);
                            free(out);
                        }
                        if (st != WC_OK) return 3;
                        trials[n++] = now() - t0;
                    } while (n < MAX_TRIALS && (now() < end || n < 5));
                    qsort(trials, n, sizeof(double), cmp_double);
                    double med = trials[n / 2];
                    char shape[32];
                    snprintf(shape, sizeof shape, "(%zu,%zu)", k, r);
                    printf("%-9s %-6s %-10s %8zu %10.3f %10.0f\n", kern->name, op ? "decode" : "encode",
                           shape, S, med * 1e3, (double)(k * S) / med / 1e6);
                    fflush(stdout);
                }
                free(buf);
                free(in);
                free(rec);
            }
        }
    }
    return 0;
}
