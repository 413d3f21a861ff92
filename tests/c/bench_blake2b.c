/* Blake2b-256 micro-benchmark (not a test): for each supported backend,
 * M hashes/s for 3-byte (prefix + 2) and 65-byte (prefix + 64) messages in
 * batches of 4096, and GB/s for 4 KiB messages in batches of 256; plus the
 * portable single-message loop. Best of 7 runs of >= 0.1 s of thread CPU time each (the
 * machine may be shared).
 *   make -C tests/c bench */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <time.h>

#include "blake2b.h"
#include "wc_test.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static volatile uint8_t sink;

/* seconds per call of the batch (kern != NULL) or of the single loop */
static double run(const struct wc_kernels *kern, const uint8_t *const *msgs, size_t len, size_t count,
                  int prefix, uint8_t *out)
{
    double best = 1e9;
    for (int rep = 0; rep < 7; rep++) {
        size_t iters = 0;
        double t0 = now(), t;
        do {
            if (kern)
                wc_blake2b256_many(kern, msgs, len, count, prefix, out);
            else
                for (size_t i = 0; i < count; i++)
                    wc_blake2b256_one_portable(msgs[i], len, prefix, out + 32 * i);
            iters++;
            t = now() - t0;
        } while (t < 0.1);
        sink ^= out[0];
        if (t / iters < best) best = t / iters;
    }
    return best;
}

struct workload {
    const char *name;
    size_t len, count;
    int prefix;
};

int main(void)
{
    static const struct workload w[] = {
        {"3 B (0x00 + 2)", 2, 4096, 0},        {"65 B (0x01 + 64)", 64, 4096, 1},
        {"451 B (0x00 + 450)", 450, 1024, 0},  {"4 KiB", 4096, 256, -1},
        {"4 KiB (0x00 + 4096)", 4096, 256, 0},
    };
    for (size_t wi = 0; wi < sizeof w / sizeof w[0]; wi++) {
        size_t len = w[wi].len, count = w[wi].count;
        uint8_t *data = malloc(len * count), *out = malloc(32 * count);
        const uint8_t **msgs = malloc(count * sizeof *msgs);
        wc_test_fill(data, len * count, 1);
        for (size_t i = 0; i < count; i++) msgs[i] = data + len * i;
        size_t vlen = len + (w[wi].prefix >= 0);
        double single = run(NULL, msgs, len, count, w[wi].prefix, out);
        printf("%-18s %-22s %8.2f M hashes/s %7.3f GB/s\n", w[wi].name, "portable single",
               count / single / 1e6, count * vlen / single / 1e9);
        FOR_EACH_BACKEND(kern)
        {
            double s = run(kern, msgs, len, count, w[wi].prefix, out);
            printf("%-18s batch %-16s %8.2f M hashes/s %7.3f GB/s  (x%.2f vs portable single)\n", w[wi].name,
                   kern->name, count / s / 1e6, count * vlen / s / 1e9, single / s);
        }
        free(data);
        free(out);
        free(msgs);
    }
    return 0;
}
