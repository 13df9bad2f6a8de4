// Squared euclidean distances of byte rows through VNNI dot products (see CIntDotKernels.h). Only a
// vector path: callers use `cik_tile` where `cid_available()` is 0, which computes the same integers.
#include "CBitKernels.h"

int64_t cid_lanes_capacity(int64_t count, int64_t quads) { return (count + 15) / 16 * 16 * quads; }

void cid_set_slot(uint32_t *lanes, int64_t quads, int64_t slot, const uint32_t *row) {
    uint32_t *base = lanes + (slot >> 4) * quads * 16 + (slot & 15);
    for (int64_t q = 0; q < quads; q++) base[q * 16] = row[q] ^ 0x80808080u;
}

int32_t cid_row_term(const uint32_t *row, int64_t quads) {
    int32_t squares = 0, sum = 0;
    for (int64_t q = 0; q < quads; q++)
        for (int b = 0; b < 4; b++) {
            int32_t v = (int32_t)((row[q] >> (8 * b)) & 0xFF);
            squares += v * v;
            sum += v;
        }
    return squares - 256 * sum;
}

int32_t cid_slot_term(const uint32_t *row, int64_t quads) {
    int32_t squares = 0;
    for (int64_t q = 0; q < quads; q++)
        for (int b = 0; b < 4; b++) {
            int32_t v = (int32_t)((row[q] >> (8 * b)) & 0xFF);
            squares += v * v;
        }
    return squares;
}

int32_t cid_word_term(const uint32_t *row, int64_t pairs) {
    int32_t squares = 0;
    for (int64_t p = 0; p < pairs; p++) {
        int32_t lo = (int32_t)(row[p] & 0xFFFF), hi = (int32_t)(row[p] >> 16);
        squares += lo * lo + hi * hi;
    }
    return squares;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define WORD_TARGET __attribute__((target("avx2")))

int cid_word_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

// R rows against one group of 16 slots (two 8-slot halves): 2R accumulators in registers.
#define WORD_BLOCK(R)                                                                                      \
    WORD_TARGET static void word_block_##R(const uint32_t *xs, const int32_t *xterms, int64_t pairs,        \
                                           const uint32_t *block, const int32_t *sterms, int32_t *out,     \
                                           int64_t out_stride) {                                           \
        __m256i acc[R][2];                                                                                 \
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();                       \
        for (int64_t p = 0; p < pairs; p++) {                                                              \
            __m256i y0 = _mm256_loadu_si256((const __m256i *)(block + p * 16));                            \
            __m256i y1 = _mm256_loadu_si256((const __m256i *)(block + p * 16 + 8));                        \
            for (int r = 0; r < R; r++) {                                                                  \
                __m256i x = _mm256_set1_epi32((int)xs[r * pairs + p]);                                     \
                acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, y0));                         \
                acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, y1));                         \
            }                                                                                              \
        }                                                                                                  \
        for (int r = 0; r < R; r++) {                                                                      \
            __m256i xt = _mm256_set1_epi32(xterms[r]);                                                     \
            for (int h = 0; h < 2; h++) {                                                                  \
                __m256i st = _mm256_loadu_si256((const __m256i *)(sterms + h * 8));                        \
                __m256i d = _mm256_sub_epi32(_mm256_add_epi32(xt, st), _mm256_slli_epi32(acc[r][h], 1));   \
                _mm256_storeu_si256((__m256i *)(out + r * out_stride + h * 8), d);                         \
            }                                                                                              \
        }                                                                                                  \
    }
WORD_BLOCK(6)
WORD_BLOCK(1)

WORD_TARGET void cid_word_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
                               const int32_t *sterms, int64_t pairs, int64_t group_lo, int64_t group_hi,
                               int32_t *out, int64_t out_stride) {
    for (int64_t g = group_lo; g < group_hi; g++) {
        const uint32_t *block = lanes + g * pairs * 16;
        int32_t *o = out + (g - group_lo) * 16;
        int64_t r = 0;
        for (; r + 6 <= xcount; r += 6)
            word_block_6(xs + r * pairs, xterms + r, pairs, block, sterms + g * 16, o + r * out_stride, out_stride);
        for (; r < xcount; r++)
            word_block_1(xs + r * pairs, xterms + r, pairs, block, sterms + g * 16, o + r * out_stride, out_stride);
    }
}

#define DOT_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")))

int cid_available(void) {
    __builtin_cpu_init();
    return cbk_avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vnni");
}

// R rows against G groups of 16 slots: R * G accumulators stay in registers across all quads, each
// group's quad loaded once for the R rows and each row's quad broadcast once for the G groups.
// Every product is at most 255 * 128 in size and a row has at most 4 096 of them, so no sum wraps.
#define DOT_BLOCK(R, G)                                                                                    \
    DOT_TARGET static void dot_block_##R##_##G(const uint32_t *xs, const int32_t *xterms, int64_t quads,  \
                                              const uint32_t *blocks, const int32_t *sterms, int32_t *out, \
                                              int64_t out_stride) {                                        \
        __m512i acc[R][G];                                                                                 \
        for (int r = 0; r < R; r++)                                                                        \
            for (int g = 0; g < G; g++) acc[r][g] = _mm512_setzero_si512();                               \
        for (int64_t q = 0; q < quads; q++) {                                                              \
            __m512i y[G];                                                                                  \
            for (int g = 0; g < G; g++) y[g] = _mm512_loadu_si512(blocks + (g * quads + q) * 16);          \
            for (int r = 0; r < R; r++) {                                                                  \
                __m512i x = _mm512_set1_epi32((int)xs[r * quads + q]);                                    \
                for (int g = 0; g < G; g++) acc[r][g] = _mm512_dpbusd_epi32(acc[r][g], x, y[g]);          \
            }                                                                                              \
        }                                                                                                  \
        for (int r = 0; r < R; r++) {                                                                      \
            __m512i xt = _mm512_set1_epi32(xterms[r]);                                                     \
            for (int g = 0; g < G; g++) {                                                                  \
                __m512i st = _mm512_loadu_si512(sterms + g * 16);                                          \
                __m512i d = _mm512_sub_epi32(_mm512_add_epi32(xt, st), _mm512_slli_epi32(acc[r][g], 1));  \
                _mm512_storeu_si512(out + r * out_stride + g * 16, d);                                     \
            }                                                                                              \
        }                                                                                                  \
    }
DOT_BLOCK(4, 4)
DOT_BLOCK(1, 4)
DOT_BLOCK(4, 1)
DOT_BLOCK(1, 1)

DOT_TARGET void cid_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
                         const int32_t *sterms, int64_t quads, int64_t group_lo, int64_t group_hi, int32_t *out,
                         int64_t out_stride) {
    // Groups outside, rows inside: the G groups' quads (G * 16 * quads words) stay in L1 across the rows.
    int64_t g = group_lo;
    for (; g + 4 <= group_hi; g += 4) {
        const uint32_t *blocks = lanes + g * quads * 16;
        int32_t *o = out + (g - group_lo) * 16;
        int64_t r = 0;
        for (; r + 4 <= xcount; r += 4)
            dot_block_4_4(xs + r * quads, xterms + r, quads, blocks, sterms + g * 16, o + r * out_stride, out_stride);
        for (; r < xcount; r++)
            dot_block_1_4(xs + r * quads, xterms + r, quads, blocks, sterms + g * 16, o + r * out_stride, out_stride);
    }
    for (; g < group_hi; g++) {
        const uint32_t *blocks = lanes + g * quads * 16;
        int32_t *o = out + (g - group_lo) * 16;
        int64_t r = 0;
        for (; r + 4 <= xcount; r += 4)
            dot_block_4_1(xs + r * quads, xterms + r, quads, blocks, sterms + g * 16, o + r * out_stride, out_stride);
        for (; r < xcount; r++)
            dot_block_1_1(xs + r * quads, xterms + r, quads, blocks, sterms + g * 16, o + r * out_stride, out_stride);
    }
}
#else
int cid_available(void) { return 0; }
int cid_word_available(void) { return 0; }

void cid_word_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
                   const int32_t *sterms, int64_t pairs, int64_t group_lo, int64_t group_hi, int32_t *out,
                   int64_t out_stride) {
    (void)xs; (void)xterms; (void)xcount; (void)lanes; (void)sterms; (void)pairs; (void)group_lo;
    (void)group_hi; (void)out; (void)out_stride;
}

void cid_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
              const int32_t *sterms, int64_t quads, int64_t group_lo, int64_t group_hi, int32_t *out,
              int64_t out_stride) {
    (void)xs; (void)xterms; (void)xcount; (void)lanes; (void)sterms; (void)quads; (void)group_lo;
    (void)group_hi; (void)out; (void)out_stride;
}
#endif
