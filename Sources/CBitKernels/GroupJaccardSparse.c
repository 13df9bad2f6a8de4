// Group Jaccard kernels that read only what the query row has (CGroupJaccardSparse.h). Each is compiled
// twice, portably and for the instructions it profits from, chosen once at start; both give the same
// bits (the same integer and IEEE operations in the same order, nothing fused).
#include "CBitKernels.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define SPARSE_BLOCK 64

/// cbk_group_jaccard_sparse_words on one block of at most SPARSE_BLOCK rows: every step runs over the
/// block's rows, contiguous, in vectors where the target has them. For each row, a group of x adds
/// b / (|x_g| + |y_g| − b) in x's order of groups, b the bits both have (none when x has no word in g:
/// the group adds +0 and is skipped), and counts among the groups either row has.
ALWAYS_INLINE void sparse_words(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                                int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                                const uint64_t *x_mask, int64_t mask_words, const uint64_t *bits,
                                const int32_t *ones, const uint64_t *masks, const int32_t *groups_y, int64_t stride,
                                int64_t first, int64_t count, double *out) {
    double s[SPARSE_BLOCK];
    int32_t hits[SPARSE_BLOCK], both[SPARSE_BLOCK];
    for (int64_t r = 0; r < count; r++) { s[r] = 0; hits[r] = 0; }
    // The groups both rows have, from one mask word per 64 groups rather than a count per group of x:
    // most of x's groups have no word among another cluster's own columns, and reading their counts
    // was most of the memory the kernel read.
    for (int64_t m = 0; m < mask_words; m++) {
        uint64_t xm = x_mask[m];
        if (xm == 0) continue;
        const uint64_t *restrict y = masks + m * stride + first;
        for (int64_t r = 0; r < count; r++) hits[r] += (int32_t)__builtin_popcountll(xm & y[r]);
    }
    int64_t w = 0;
    for (int64_t k = 0; k < x_groups; k++) {
        int64_t end = x_word_end[k];
        if (w == end) continue;
        const int32_t *restrict a = ones + (int64_t)x_group[k] * stride + first;
        int32_t ox = x_ones[k];
        for (int64_t r = 0; r < count; r++) both[r] = 0;
        for (; w < end; w++) {
            const uint64_t *restrict y = bits + (int64_t)x_word_index[w] * stride + first;
            uint64_t xw = x_word[w];
            for (int64_t r = 0; r < count; r++) both[r] += (int32_t)__builtin_popcountll(xw & y[r]);
        }
        for (int64_t r = 0; r < count; r++) s[r] += (double)both[r] / (double)(ox + a[r] - both[r]);
    }
    for (int64_t r = 0; r < count; r++) {
        int32_t n = (int32_t)x_groups + groups_y[first + r] - hits[r];
        out[r] = n == 0 ? 0 : 1 - s[r] / (double)n;
    }
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
__attribute__((target("avx2"))) static void avx2_mean_bound_sums(
    int64_t buckets, int64_t row_groups, const int32_t *row_group, const int32_t *row_ones, const int32_t *column_end,
    const int32_t *columns, const int32_t *dense_of_column, const int32_t *dense, const int64_t *entry_start,
    const int32_t *entry_bucket, const int32_t *entry_count, const int32_t *least, const int32_t *most,
    const double *size, int64_t *f, int32_t *s, double *sum, int32_t *counted) {
    mean_bound_sums(buckets, row_groups, row_group, row_ones, column_end, columns, dense_of_column, dense, entry_start,
                    entry_bucket, entry_count, least, most, size, f, s, sum, counted);
}

__attribute__((target("popcnt,avx2"))) static void avx2_sparse_words(
    const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end, int64_t x_groups,
    const int32_t *x_word_index, const uint64_t *x_word, const uint64_t *x_mask, int64_t mask_words,
    const uint64_t *bits, const int32_t *ones, const uint64_t *masks, const int32_t *groups_y, int64_t stride,
    int64_t first, int64_t count, double *out) {
    sparse_words(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, x_mask, mask_words, bits, ones, masks,
                 groups_y, stride, first, count, out);
}

__attribute__((target("popcnt"))) static void popcnt_sparse_words(
    const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end, int64_t x_groups,
    const int32_t *x_word_index, const uint64_t *x_word, const uint64_t *x_mask, int64_t mask_words,
    const uint64_t *bits, const int32_t *ones, const uint64_t *masks, const int32_t *groups_y, int64_t stride,
    int64_t first, int64_t count, double *out) {
    sparse_words(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, x_mask, mask_words, bits, ones, masks,
                 groups_y, stride, first, count, out);
}

static int sparse_popcnt, sparse_avx2;
__attribute__((constructor)) static void sparse_read_cpu(void) {
    __builtin_cpu_init();
    sparse_popcnt = __builtin_cpu_supports("popcnt");
    sparse_avx2 = __builtin_cpu_supports("avx2");
}
#endif

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

void cbk_group_jaccard_sparse_words(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                                    int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                                    const uint64_t *x_mask, int64_t mask_words, const uint64_t *bits,
                                    const int32_t *ones, const uint64_t *masks, const int32_t *groups_y,
                                    int64_t stride, int64_t first, int64_t count, double *out) {
    for (int64_t at = 0; at < count; at += SPARSE_BLOCK) {
        int64_t block = count - at < SPARSE_BLOCK ? count - at : SPARSE_BLOCK;
#ifdef SPARSE_X86
        if (sparse_popcnt && sparse_avx2) {
            avx2_sparse_words(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, x_mask, mask_words, bits,
                              ones, masks, groups_y, stride, first + at, block, out + at);
            continue;
        }
        if (sparse_popcnt) {
            popcnt_sparse_words(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, x_mask, mask_words,
                                bits, ones, masks, groups_y, stride, first + at, block, out + at);
            continue;
        }
#endif
        sparse_words(x_group, x_ones, x_word_end, x_groups, x_word_index, x_word, x_mask, mask_words, bits, ones, masks,
                     groups_y, stride, first + at, block, out + at);
    }
}
