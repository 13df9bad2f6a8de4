// Distance kernels over rows of small integers (see CIntKernels.h): a portable path and an AVX-512BW
// path (and for `cik_tile` an AVX2 one), chosen per call. Both compute the same integers; `cik_sum` adds in a different but fixed order.
#include "CBitKernels.h"
#include <math.h>
#include <stddef.h>

int64_t cik_lanes_capacity(int64_t count, int64_t pairs) { return (count + 15) / 16 * 16 * pairs; }

void cik_set_slot(uint32_t *lanes, int64_t pairs, int64_t slot, const uint32_t *row) {
    uint32_t *base = lanes + (slot >> 4) * pairs * 16 + (slot & 15);
    for (int64_t p = 0; p < pairs; p++) base[p * 16] = row[p];
}

static inline int32_t pair_term(uint32_t x, uint32_t y, int manhattan) {
    int32_t d0 = (int32_t)(x & 0xFFFF) - (int32_t)(y & 0xFFFF);
    int32_t d1 = (int32_t)(x >> 16) - (int32_t)(y >> 16);
    if (manhattan) return (d0 < 0 ? -d0 : d0) + (d1 < 0 ? -d1 : d1);
    return d0 * d0 + d1 * d1;
}

static void plain_tile(const uint32_t *xs, int64_t xcount, const uint32_t *lanes, int64_t pairs, int64_t group_lo,
                       int64_t group_hi, int manhattan, int32_t *out, int64_t out_stride) {
    for (int64_t g = group_lo; g < group_hi; g++) {
        const uint32_t *block = lanes + g * pairs * 16;
        for (int64_t r = 0; r < xcount; r++) {
            const uint32_t *x = xs + r * pairs;
            int32_t acc[16] = {0};
            for (int64_t p = 0; p < pairs; p++)
                for (int l = 0; l < 16; l++) acc[l] += pair_term(x[p], block[p * 16 + l], manhattan);
            int32_t *o = out + r * out_stride + (g - group_lo) * 16;
            for (int l = 0; l < 16; l++) o[l] = acc[l];
        }
    }
}

static double plain_sum(const int32_t *values, int64_t count, int root) {
    // Eight running sums, as the vector path keeps, added at the end in the same order.
    double lane[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int l = 0; l < 8; l++) lane[l] += root ? sqrt((double)values[i + l]) : (double)values[i + l];
    double total = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    for (; i < count; i++) total += root ? sqrt((double)values[i]) : (double)values[i];
    return total;
}

// One body for both paths of `cik_tile_sums`: compiled for the baseline and for AVX-512F, the compiler
// may vectorize the loops but never reorders a sum (no fast-math), so both give the same bits.
// ROOTS(values, scratch, cols) fills scratch with the square roots: `sqrt` sets errno and so is never
// vectorized by the compiler, the vector path calls `_mm512_sqrt_pd` (also correctly rounded).
#define TILE_SUMS_BODY(ROOTS)                                                                              \
    for (int64_t v = 0; v < row_run_count; v++) {                                                          \
        double *column = col_sums ? col_sums + v * cols : NULL;                                            \
        if (column)                                                                                        \
            for (int64_t c = 0; c < cols; c++) column[c] = 0;                                              \
        for (int64_t r = row_runs[v]; r < row_runs[v + 1]; r++) {                                          \
            const int32_t *values = out + r * out_stride;                                                  \
            if (root)                                                                                      \
                ROOTS(values, scratch, cols);                                                              \
            else                                                                                           \
                for (int64_t c = 0; c < cols; c++) scratch[c] = (double)values[c];                         \
            if (column)                                                                                    \
                for (int64_t c = 0; c < cols; c++) column[c] += scratch[c];                                \
            for (int64_t u = 0; u < col_run_count; u++)                                                    \
                row_sums[r * col_run_count + u] = eight_lane_sum(scratch + col_runs[u], col_runs[u + 1] - col_runs[u]); \
        }                                                                                                  \
    }

// `plain_sum`'s order over doubles already rooted.
static inline __attribute__((always_inline)) double eight_lane_sum(const double *values, int64_t count) {
    double lane[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int l = 0; l < 8; l++) lane[l] += values[i + l];
    double total = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    for (; i < count; i++) total += values[i];
    return total;
}

#define PLAIN_ROOTS(values, scratch, cols) \
    for (int64_t c = 0; c < (cols); c++) (scratch)[c] = sqrt((double)(values)[c])

static void plain_tile_sums(const int32_t *out, int64_t out_stride, int64_t rows, int64_t cols, int root,
                            const int64_t *row_runs, int64_t row_run_count, const int64_t *col_runs,
                            int64_t col_run_count, double *row_sums, double *col_sums, double *scratch) {
    (void)rows;
    TILE_SUMS_BODY(PLAIN_ROOTS)
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define HAVE_INT_VECTORS 1
#define INT_VECTOR_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx2")))

int cik_vector_available(void) {
    __builtin_cpu_init();
    return cbk_avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

// The dispatchers below take a caller's `vector` as a request: a caller that asks for the AVX-512 path on
// a CPU without it (as the silhouette's tile sums once did under the AVX2 kernel) gets the portable path,
// the same integers and bits, instead of SIGILL. Read once before main, as the pair kernels' popcnt is.
static int int_vectors_at_start;
__attribute__((constructor)) static void read_int_vectors_at_start(void) { int_vectors_at_start = cik_vector_available(); }

INT_VECTOR_TARGET static void vector_tile(const uint32_t *xs, int64_t xcount, const uint32_t *lanes, int64_t pairs,
                                          int64_t group_lo, int64_t group_hi, int manhattan, int32_t *out,
                                          int64_t out_stride) {
    const __m512i ones = _mm512_set1_epi16(1);
    for (int64_t g = group_lo; g < group_hi; g++) {
        const uint32_t *block = lanes + g * pairs * 16;
        for (int64_t r = 0; r < xcount; r++) {
            const uint32_t *x = xs + r * pairs;
            __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
            int64_t p = 0;
            if (manhattan) {
                for (; p + 2 <= pairs; p += 2) {
                    __m512i d0 = _mm512_abs_epi16(_mm512_sub_epi16(_mm512_loadu_si512(block + p * 16), _mm512_set1_epi32((int)x[p])));
                    __m512i d1 = _mm512_abs_epi16(_mm512_sub_epi16(_mm512_loadu_si512(block + (p + 1) * 16), _mm512_set1_epi32((int)x[p + 1])));
                    a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(d0, ones));
                    a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(d1, ones));
                }
                for (; p < pairs; p++) {
                    __m512i d = _mm512_abs_epi16(_mm512_sub_epi16(_mm512_loadu_si512(block + p * 16), _mm512_set1_epi32((int)x[p])));
                    a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(d, ones));
                }
            } else {
                for (; p + 2 <= pairs; p += 2) {
                    __m512i d0 = _mm512_sub_epi16(_mm512_loadu_si512(block + p * 16), _mm512_set1_epi32((int)x[p]));
                    __m512i d1 = _mm512_sub_epi16(_mm512_loadu_si512(block + (p + 1) * 16), _mm512_set1_epi32((int)x[p + 1]));
                    a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(d0, d0));
                    a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(d1, d1));
                }
                for (; p < pairs; p++) {
                    __m512i d = _mm512_sub_epi16(_mm512_loadu_si512(block + p * 16), _mm512_set1_epi32((int)x[p]));
                    a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(d, d));
                }
            }
            _mm512_storeu_si512(out + r * out_stride + (g - group_lo) * 16, _mm512_add_epi32(a0, a1));
        }
    }
}

// The same tiles on AVX2 (most laptops have no AVX-512): a group's 16 slots in two 8-slot halves. The
// integers are the same as every path's (exact sums far below 2^31, in any order).
#define INT_AVX2_TARGET __attribute__((target("avx2")))
static int int_avx2_at_start;
__attribute__((constructor)) static void read_int_avx2_at_start(void) {
    __builtin_cpu_init();
    int_avx2_at_start = __builtin_cpu_supports("avx2");
}

INT_AVX2_TARGET static void avx2_tile(const uint32_t *xs, int64_t xcount, const uint32_t *lanes, int64_t pairs,
                                      int64_t group_lo, int64_t group_hi, int manhattan, int32_t *out,
                                      int64_t out_stride) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t g = group_lo; g < group_hi; g++) {
        const uint32_t *block = lanes + g * pairs * 16;
        for (int64_t r = 0; r < xcount; r++) {
            const uint32_t *x = xs + r * pairs;
            __m256i lo0 = _mm256_setzero_si256(), hi0 = _mm256_setzero_si256();
            __m256i lo1 = _mm256_setzero_si256(), hi1 = _mm256_setzero_si256();
            int64_t p = 0;
#define AVX2_TERM(d) (manhattan ? _mm256_madd_epi16(_mm256_abs_epi16(d), ones) : _mm256_madd_epi16((d), (d)))
            for (; p + 2 <= pairs; p += 2) {
                __m256i x0 = _mm256_set1_epi32((int)x[p]), x1 = _mm256_set1_epi32((int)x[p + 1]);
                const uint32_t *y = block + p * 16;
                __m256i a = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)y), x0);
                __m256i b = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(y + 8)), x0);
                __m256i c = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(y + 16)), x1);
                __m256i d = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(y + 24)), x1);
                lo0 = _mm256_add_epi32(lo0, AVX2_TERM(a));
                hi0 = _mm256_add_epi32(hi0, AVX2_TERM(b));
                lo1 = _mm256_add_epi32(lo1, AVX2_TERM(c));
                hi1 = _mm256_add_epi32(hi1, AVX2_TERM(d));
            }
            for (; p < pairs; p++) {
                __m256i x0 = _mm256_set1_epi32((int)x[p]);
                const uint32_t *y = block + p * 16;
                __m256i a = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)y), x0);
                __m256i b = _mm256_sub_epi16(_mm256_loadu_si256((const __m256i *)(y + 8)), x0);
                lo0 = _mm256_add_epi32(lo0, AVX2_TERM(a));
                hi0 = _mm256_add_epi32(hi0, AVX2_TERM(b));
            }
#undef AVX2_TERM
            int32_t *o = out + r * out_stride + (g - group_lo) * 16;
            _mm256_storeu_si256((__m256i *)o, _mm256_add_epi32(lo0, lo1));
            _mm256_storeu_si256((__m256i *)(o + 8), _mm256_add_epi32(hi0, hi1));
        }
    }
}

INT_VECTOR_TARGET static double vector_sum(const int32_t *values, int64_t count, int root) {
    __m512d acc = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m512d v = _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *)(values + i)));
        acc = _mm512_add_pd(acc, root ? _mm512_sqrt_pd(v) : v);
    }
    double lane[8];
    _mm512_storeu_pd(lane, acc);
    double total = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    for (; i < count; i++) total += root ? sqrt((double)values[i]) : (double)values[i];
    return total;
}

INT_VECTOR_TARGET static inline void vector_roots(const int32_t *values, double *scratch, int64_t cols) {
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8)
        _mm512_storeu_pd(scratch + c, _mm512_sqrt_pd(_mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *)(values + c)))));
    for (; c < cols; c++) scratch[c] = sqrt((double)values[c]);
}

INT_VECTOR_TARGET static void vector_tile_sums(const int32_t *out, int64_t out_stride, int64_t rows, int64_t cols,
                                               int root, const int64_t *row_runs, int64_t row_run_count,
                                               const int64_t *col_runs, int64_t col_run_count, double *row_sums,
                                               double *col_sums, double *scratch) {
    (void)rows;
    TILE_SUMS_BODY(vector_roots)
}
#else
int cik_vector_available(void) { return 0; }
#endif

int cik_tile_vector_available(void) {
#ifdef HAVE_INT_VECTORS
    return int_vectors_at_start || int_avx2_at_start;
#else
    return 0;
#endif
}

void cik_tile(const uint32_t *xs, int64_t xcount, const uint32_t *lanes, int64_t pairs, int64_t group_lo,
              int64_t group_hi, int manhattan, int32_t *out, int64_t out_stride, int vector) {
#ifdef HAVE_INT_VECTORS
    if (vector && int_vectors_at_start) { vector_tile(xs, xcount, lanes, pairs, group_lo, group_hi, manhattan, out, out_stride); return; }
    if (vector && int_avx2_at_start) { avx2_tile(xs, xcount, lanes, pairs, group_lo, group_hi, manhattan, out, out_stride); return; }
#endif
    (void)vector;
    plain_tile(xs, xcount, lanes, pairs, group_lo, group_hi, manhattan, out, out_stride);
}

double cik_sum(const int32_t *values, int64_t count, int root, int vector) {
#ifdef HAVE_INT_VECTORS
    if (vector && int_vectors_at_start) return vector_sum(values, count, root);
#endif
    (void)vector;
    return plain_sum(values, count, root);
}

void cik_tile_sums(const int32_t *out, int64_t out_stride, int64_t rows, int64_t cols, int root,
                   const int64_t *row_runs, int64_t row_run_count, const int64_t *col_runs, int64_t col_run_count,
                   double *row_sums, double *col_sums, double *scratch, int vector) {
#ifdef HAVE_INT_VECTORS
    if (vector && int_vectors_at_start) {
        vector_tile_sums(out, out_stride, rows, cols, root, row_runs, row_run_count, col_runs, col_run_count,
                         row_sums, col_sums, scratch);
        return;
    }
#endif
    (void)vector;
    plain_tile_sums(out, out_stride, rows, cols, root, row_runs, row_run_count, col_runs, col_run_count, row_sums,
                    col_sums, scratch);
}
