// Squared euclidean distances over bit-byte rows on AVX2 (see CIntBitByteKernels.h).
#include "CBitKernels.h"

int64_t cib_lanes_capacity(int64_t count, int64_t words) { return (count + 15) / 16 * 16 * words; }

void cib_set_slot(uint32_t *lanes, int64_t bit_words, int64_t quads, int64_t slot, const uint32_t *row) {
    uint32_t *base = lanes + (slot >> 4) * (bit_words + quads) * 16 + (slot & 15);
    for (int64_t w = 0; w < bit_words; w++) base[w * 16] = row[w];
    for (int64_t q = bit_words; q < bit_words + quads; q++) base[q * 16] = row[q] ^ 0x80808080u;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define BIT_BYTE_TARGET __attribute__((target("avx2")))

int cib_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

// The number of set bits in each byte of v (a table of the 16 nibbles, looked up twice).
BIT_BYTE_TARGET static inline __m256i byte_counts(__m256i v) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, _mm256_and_si256(v, nibble)),
                           _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)));
}

// R rows against G groups of 16 slots (two 8-slot halves each). acc holds 2 x.(y - 128) minus the
// differing bits, so the distance is xterm + sterm - acc: the byte products are widened with twos, and
// the bit counts, gathered in bytes (at most 8 a word, so 31 words before a byte could wrap), are
// widened and subtracted every 31 words. Registers: 2RG accumulators, 2RG counts, 2G slot words.
#define BIT_BYTE_BLOCK(R, G)                                                                               \
    BIT_BYTE_TARGET static void bit_byte_block_##R##_##G(const uint32_t *xs, const int32_t *xterms,         \
                                                         int64_t bit_words, int64_t quads,                 \
                                                         const uint32_t *blocks, const int32_t *sterms,    \
                                                         int32_t *out, int64_t out_stride) {               \
        const int64_t words = bit_words + quads;                                                           \
        const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1), twos16 = _mm256_set1_epi16(2); \
        __m256i acc[R][2 * G];                                                                             \
        for (int r = 0; r < R; r++)                                                                        \
            for (int h = 0; h < 2 * G; h++) acc[r][h] = _mm256_setzero_si256();                           \
        for (int64_t w0 = 0; w0 < bit_words; w0 += 31) {                                                   \
            const int64_t w1 = w0 + 31 < bit_words ? w0 + 31 : bit_words;                                  \
            __m256i counts[R][2 * G];                                                                      \
            for (int r = 0; r < R; r++)                                                                    \
                for (int h = 0; h < 2 * G; h++) counts[r][h] = _mm256_setzero_si256();                    \
            for (int64_t w = w0; w < w1; w++) {                                                            \
                __m256i y[2 * G];                                                                          \
                for (int g = 0; g < G; g++) {                                                              \
                    y[2 * g] = _mm256_loadu_si256((const __m256i *)(blocks + (g * words + w) * 16));       \
                    y[2 * g + 1] = _mm256_loadu_si256((const __m256i *)(blocks + (g * words + w) * 16 + 8)); \
                }                                                                                          \
                for (int r = 0; r < R; r++) {                                                              \
                    __m256i x = _mm256_set1_epi32((int)xs[r * words + w]);                                 \
                    for (int h = 0; h < 2 * G; h++)                                                        \
                        counts[r][h] = _mm256_add_epi8(counts[r][h], byte_counts(_mm256_xor_si256(x, y[h]))); \
                }                                                                                          \
            }                                                                                              \
            for (int r = 0; r < R; r++)                                                                    \
                for (int h = 0; h < 2 * G; h++)                                                            \
                    acc[r][h] = _mm256_sub_epi32(acc[r][h],                                                \
                                                 _mm256_madd_epi16(_mm256_maddubs_epi16(counts[r][h], ones8), ones16)); \
        }                                                                                                  \
        for (int64_t q = bit_words; q < words; q++) {                                                      \
            __m256i y[2 * G];                                                                              \
            for (int g = 0; g < G; g++) {                                                                  \
                y[2 * g] = _mm256_loadu_si256((const __m256i *)(blocks + (g * words + q) * 16));           \
                y[2 * g + 1] = _mm256_loadu_si256((const __m256i *)(blocks + (g * words + q) * 16 + 8));   \
            }                                                                                              \
            for (int r = 0; r < R; r++) {                                                                  \
                __m256i x = _mm256_set1_epi32((int)xs[r * words + q]);                                     \
                for (int h = 0; h < 2 * G; h++)                                                            \
                    acc[r][h] = _mm256_add_epi32(acc[r][h], _mm256_madd_epi16(_mm256_maddubs_epi16(x, y[h]), twos16)); \
            }                                                                                              \
        }                                                                                                  \
        for (int r = 0; r < R; r++) {                                                                      \
            __m256i xt = _mm256_set1_epi32(xterms[r]);                                                     \
            for (int h = 0; h < 2 * G; h++) {                                                              \
                __m256i st = _mm256_loadu_si256((const __m256i *)(sterms + h * 8));                        \
                _mm256_storeu_si256((__m256i *)(out + r * out_stride + h * 8),                             \
                                    _mm256_sub_epi32(_mm256_add_epi32(xt, st), acc[r][h]));                \
            }                                                                                              \
        }                                                                                                  \
    }
BIT_BYTE_BLOCK(2, 1)
BIT_BYTE_BLOCK(1, 1)
BIT_BYTE_BLOCK(1, 2)

BIT_BYTE_TARGET void cib_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
                              const int32_t *sterms, int64_t bit_words, int64_t quads, int64_t group_lo,
                              int64_t group_hi, int32_t *out, int64_t out_stride) {
    const int64_t words = bit_words + quads;
    int64_t g = group_lo;
    // One row (Prim's scan): two groups a call, one broadcast of each row word for 32 slots.
    if (xcount == 1)
        for (; g + 2 <= group_hi; g += 2)
            bit_byte_block_1_2(xs, xterms, bit_words, quads, lanes + g * words * 16, sterms + g * 16,
                               out + (g - group_lo) * 16, out_stride);
    // Groups outside, rows inside: a group's words (16 * words) stay in L1 across the rows.
    for (; g < group_hi; g++) {
        const uint32_t *block = lanes + g * words * 16;
        int32_t *o = out + (g - group_lo) * 16;
        int64_t r = 0;
        for (; r + 2 <= xcount; r += 2)
            bit_byte_block_2_1(xs + r * words, xterms + r, bit_words, quads, block, sterms + g * 16,
                               o + r * out_stride, out_stride);
        for (; r < xcount; r++)
            bit_byte_block_1_1(xs + r * words, xterms + r, bit_words, quads, block, sterms + g * 16,
                               o + r * out_stride, out_stride);
    }
}
#else
int cib_available(void) { return 0; }

void cib_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
              const int32_t *sterms, int64_t bit_words, int64_t quads, int64_t group_lo, int64_t group_hi,
              int32_t *out, int64_t out_stride) {
    (void)xs; (void)xterms; (void)xcount; (void)lanes; (void)sterms; (void)bit_words; (void)quads;
    (void)group_lo; (void)group_hi; (void)out; (void)out_stride;
}
#endif
