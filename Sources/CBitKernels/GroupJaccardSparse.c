// Group Jaccard kernels that read only what the query row has (CGroupJaccardSparse.h). Each is compiled
// twice, portably and for the instructions it profits from, chosen once at start; both give the same
// bits (the same integer and IEEE operations in the same order, nothing fused).
#include "CBitKernels.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// The bits set in v: the popcnt instruction when `hw` (a constant once inlined), written as assembly
/// because the vectoriser otherwise packs four rows' counts into SSE bit tricks, slower than popcnt.
ALWAYS_INLINE int64_t count_bits(uint64_t v, int hw) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (hw) {
        uint64_t r;
        __asm__("popcntq %1, %0" : "=r"(r) : "r"(v));
        return (int64_t)r;
    }
#endif
    (void)hw;
    return __builtin_popcountll(v);
}

ALWAYS_INLINE void sparse_one(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                              int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                              const uint64_t *y, const int32_t *ones_y, int32_t groups_y, double *out, int hw) {
    double s = 0;
    int64_t hits = 0, w = 0;
    for (int64_t k = 0; k < x_groups; k++) {
        int64_t ox = x_ones[k], a = ones_y[x_group[k]];
        hits += a != 0;
        int64_t end = x_word_end[k];
        // No word of x here: nothing shared, the group adds +0.
        if (w == end) continue;
        int64_t b = 0;
        for (; w < end; w++) b += count_bits(x_word[w] & y[x_word_index[w]], hw);
        s += (double)b / (double)(ox + a - b);
    }
    int64_t n = x_groups + groups_y - hits;
    *out = n == 0 ? 0 : 1 - s / (double)n;
}

/// Four rows at a time: independent sums the CPU overlaps, each lane sparse_one's operations in its order.
ALWAYS_INLINE void sparse_many(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                               int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                               const uint64_t *y, const int32_t *ones_y, const int32_t *groups_y, int64_t words,
                               int64_t groups, int64_t count, double *out, int hw) {
    int64_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const uint64_t *y0 = y + r * words, *y1 = y0 + words, *y2 = y1 + words, *y3 = y2 + words;
        const int32_t *o0 = ones_y + r * groups, *o1 = o0 + groups, *o2 = o1 + groups, *o3 = o2 + groups;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t h0 = 0, h1 = 0, h2 = 0, h3 = 0, w = 0;
        for (int64_t k = 0; k < x_groups; k++) {
            int64_t g = x_group[k], ox = x_ones[k];
            int64_t a0 = o0[g], a1 = o1[g], a2 = o2[g], a3 = o3[g];
            h0 += a0 != 0; h1 += a1 != 0; h2 += a2 != 0; h3 += a3 != 0;
            int64_t end = x_word_end[k];
            if (w == end) continue;
            int64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (; w < end; w++) {
                int64_t i = x_word_index[w];
                uint64_t xw = x_word[w];
                b0 += count_bits(xw & y0[i], hw);
                b1 += count_bits(xw & y1[i], hw);
                b2 += count_bits(xw & y2[i], hw);
                b3 += count_bits(xw & y3[i], hw);
            }
            s0 += (double)b0 / (double)(ox + a0 - b0);
            s1 += (double)b1 / (double)(ox + a1 - b1);
            s2 += (double)b2 / (double)(ox + a2 - b2);
            s3 += (double)b3 / (double)(ox + a3 - b3);
        }
        int64_t n0 = x_groups + groups_y[r] - h0, n1 = x_groups + groups_y[r + 1] - h1;
        int64_t n2 = x_groups + groups_y[r + 2] - h2, n3 = x_groups + groups_y[r + 3] - h3;
        out[r] = n0 == 0 ? 0 : 1 - s0 / (double)n0;
        out[r + 1] = n1 == 0 ? 0 : 1 - s1 / (double)n1;
        out[r + 2] = n2 == 0 ? 0 : 1 - s2 / (double)n2;
        out[r + 3] = n3 == 0 ? 0 : 1 - s3 / (double)n3;
    }
    for (; r < count; r++)
        sparse_one(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y + r * words, ones_y + r * groups,
                   groups_y[r], out + r, hw);
}

ALWAYS_INLINE void mean_bound_sums(int64_t buckets, int64_t row_groups, const int32_t *row_group,
                                   const int32_t *row_ones, const int32_t *column_end, const int32_t *columns,
                                   const int32_t *dense_of_column, const int32_t *dense, const int64_t *entry_start,
                                   const int32_t *entry_bucket, const int32_t *entry_count, const int32_t *least,
                                   const int32_t *most, const double *size, int64_t *restrict f,
                                   int32_t *restrict s, double *restrict sum, int32_t *restrict counted) {
    int64_t j = 0;
    for (int64_t k = 0; k < row_groups; k++) {
        for (int64_t b = 0; b < buckets; b++) { f[b] = 0; s[b] = 0; }
        for (; j < column_end[k]; j++) {
            int32_t c = columns[j], d = dense_of_column[c];
            if (d >= 0) {
                // A column most buckets have: one pass over all of them, in vectors.
                const int32_t *restrict row = dense + (int64_t)d * buckets;
                for (int64_t b = 0; b < buckets; b++) { f[b] += row[b]; s[b] += row[b] != 0; }
            } else {
                for (int64_t e = entry_start[c]; e < entry_start[c + 1]; e++) {
                    f[entry_bucket[e]] += entry_count[e];
                    s[entry_bucket[e]] += 1;
                }
            }
        }
        int32_t a = row_ones[k];
        const int32_t *restrict low = least + (int64_t)row_group[k] * buckets;
        const int32_t *restrict high = most + (int64_t)row_group[k] * buckets;
        // A bucket sharing nothing here has t = 0 and adds 0 / U = +0 (U ≥ a ≥ 1).
        for (int64_t b = 0; b < buckets; b++) {
            int32_t t = s[b] < high[b] ? s[b] : high[b];
            int32_t u = a + low[b] - t;
            u = u > a ? u : a;
            u = u > low[b] ? u : low[b];
            double mean = (double)f[b] / size[b], most_shared = (double)t;
            sum[b] += (mean < most_shared ? mean : most_shared) / (double)u;
            counted[b] += low[b] == 0;
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SPARSE_X86 1
// With AVX2 the four rows' divisions go in one vector.
__attribute__((target("popcnt,avx2"))) static void avx2_sparse_many(
    const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end, int64_t x_groups,
    const int32_t *x_word_index, const uint64_t *x_word, const uint64_t *y, const int32_t *ones_y,
    const int32_t *groups_y, int64_t words, int64_t groups, int64_t count, double *out) {
    sparse_many(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y, ones_y, groups_y, words, groups, count,
                out, 1);
}

__attribute__((target("popcnt"))) static void popcnt_sparse_many(
    const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end, int64_t x_groups,
    const int32_t *x_word_index, const uint64_t *x_word, const uint64_t *y, const int32_t *ones_y,
    const int32_t *groups_y, int64_t words, int64_t groups, int64_t count, double *out) {
    sparse_many(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y, ones_y, groups_y, words, groups, count,
                out, 1);
}

__attribute__((target("avx2"))) static void avx2_mean_bound_sums(
    int64_t buckets, int64_t row_groups, const int32_t *row_group, const int32_t *row_ones, const int32_t *column_end,
    const int32_t *columns, const int32_t *dense_of_column, const int32_t *dense, const int64_t *entry_start,
    const int32_t *entry_bucket, const int32_t *entry_count, const int32_t *least, const int32_t *most,
    const double *size, int64_t *f, int32_t *s, double *sum, int32_t *counted) {
    mean_bound_sums(buckets, row_groups, row_group, row_ones, column_end, columns, dense_of_column, dense, entry_start,
                    entry_bucket, entry_count, least, most, size, f, s, sum, counted);
}

static int sparse_popcnt, sparse_avx2;
__attribute__((constructor)) static void sparse_read_cpu(void) {
    __builtin_cpu_init();
    sparse_popcnt = __builtin_cpu_supports("popcnt");
    sparse_avx2 = __builtin_cpu_supports("avx2");
}
#endif

void cbk_group_jaccard_sparse_many(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                                   int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                                   const uint64_t *y, const int32_t *ones_y, const int32_t *groups_y, int64_t words,
                                   int64_t groups, int64_t count, double *out) {
#ifdef SPARSE_X86
    if (sparse_popcnt && sparse_avx2) {
        avx2_sparse_many(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y, ones_y, groups_y, words,
                         groups, count, out);
        return;
    }
    if (sparse_popcnt) {
        popcnt_sparse_many(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y, ones_y, groups_y, words,
                           groups, count, out);
        return;
    }
#endif
    sparse_many(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, y, ones_y, groups_y, words, groups, count,
                out, 0);
}

void cbk_mean_bound_sums(int64_t buckets, int64_t row_groups, const int32_t *row_group, const int32_t *row_ones,
                         const int32_t *column_end, const int32_t *columns, const int32_t *dense_of_column,
                         const int32_t *dense, const int64_t *entry_start, const int32_t *entry_bucket,
                         const int32_t *entry_count, const int32_t *least, const int32_t *most, const double *size,
                         int64_t *f, int32_t *s, double *sum, int32_t *counted) {
#ifdef SPARSE_X86
    if (sparse_avx2) {
        avx2_mean_bound_sums(buckets, row_groups, row_group, row_ones, column_end, columns, dense_of_column, dense,
                             entry_start, entry_bucket, entry_count, least, most, size, f, s, sum, counted);
        return;
    }
#endif
    mean_bound_sums(buckets, row_groups, row_group, row_ones, column_end, columns, dense_of_column, dense, entry_start,
                    entry_bucket, entry_count, least, most, size, f, s, sum, counted);
}
