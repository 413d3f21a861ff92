/* A tiny test harness for the C core: CHECK macros that print file:line, and
 * a loop over every backend this CPU supports. Each test_*.c is its own
 * program; `make check` builds and runs them all. */
#ifndef WC_TEST_H
#define WC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"

static int wc_test_failures;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
            wc_test_failures++;                                                                              \
        }                                                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                   \
    do {                                                                                                     \
        long long wc_a_ = (long long)(a), wc_b_ = (long long)(b);                                            \
        if (wc_a_ != wc_b_) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b,    \
                    wc_a_, wc_b_);                                                                           \
            wc_test_failures++;                                                                              \
        }                                                                                                    \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Deterministic test bytes (BLAKE3's habit: i % 251 never aligns with powers of two). */
static void wc_test_fill(unsigned char *buf, size_t n, unsigned seed)
{
    unsigned long long x = 0x9E3779B97F4A7C15ull ^ (seed * 0x100000001B3ull);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char)(x >> 24);
    }
}

/* Runs body once for each supported backend, with `kern` bound to it. */
#define FOR_EACH_BACKEND(kern)                                                                               \
    for (size_t wc_bi_ = 0; wc_bi_ < wc_backend_count(); wc_bi_++)                                           \
        for (const struct wc_kernels *kern = wc_backend_at(wc_bi_); kern; kern = NULL)                       \
            if (!wc_backend_supported(kern)) {                                                               \
                fprintf(stderr, "  (skipping backend %s: not supported here)\n", kern->name);                \
            } else

/* The four basic RS kernel operations, by number, for loops over them (the
 * kernel tests and the kernel benchmark). */
enum wc_test_rs_op { OP_FFT, OP_IFFT, OP_MUL, OP_XOR, OP_COUNT };
static const char *const wc_test_rs_op_names[OP_COUNT] = {"fft_butterfly", "ifft_butterfly", "mul",
                                                          "xor_into"};

static void wc_test_rs_op_run(const struct wc_rs_kernels *k, enum wc_test_rs_op op, uint8_t *x, uint8_t *y,
                              uint16_t log_m, size_t bytes)
{
    switch (op) {
    case OP_FFT:
        k->fft_butterfly(x, y, log_m, bytes);
        break;
    case OP_IFFT:
        k->ifft_butterfly(x, y, log_m, bytes);
        break;
    case OP_MUL:
        k->mul(x, log_m, bytes);
        break;
    case OP_XOR:
        k->xor_into(x, y, bytes);
        break;
    default:
        break;
    }
}

static int wc_test_report(const char *name)
{
    if (wc_test_failures) {
        fprintf(stderr, "%s: %d check(s) FAILED\n", name, wc_test_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif
