// Popcount kernels for the bit engine: a portable path and an AVX-512 VPOPCNTDQ path, chosen per call.
// Both paths visit the same pairs and apply the same rules, so their results are identical; only the
// order in which a k-NN list receives its values differs, and a list of the k smallest values does not
// depend on that order.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "CBitKernels.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

int64_t cbk_lanes_capacity(int64_t count, int64_t words) { return (count + 7) / 8 * 8 * words; }

void cbk_interleave(const uint64_t *rows, int64_t words, int64_t count, uint64_t *lanes) {
    int64_t capacity = cbk_lanes_capacity(count, words);
    for (int64_t i = 0; i < capacity; i++) lanes[i] = 0;
    for (int64_t s = 0; s < count; s++)
        for (int64_t w = 0; w < words; w++) lanes[((s >> 3) * words + w) * 8 + (s & 7)] = rows[s * words + w];
}

/// Bits by which interleaved slot s differs from the row x.
ALWAYS_INLINE int32_t slot_differing(const uint64_t *x, const uint64_t *lanes, int64_t words, int64_t s) {
    const uint64_t *base = lanes + (s >> 3) * words * 8 + (s & 7);
    int32_t c = 0;
    for (int64_t w = 0; w < words; w++) c += __builtin_popcountll(x[w] ^ base[w * 8]);
    return c;
}

ALWAYS_INLINE void scalar_differing(const uint64_t *x, const uint64_t *lanes, int64_t words, int64_t count,
                                    int32_t *out) {
    for (int64_t s = 0; s < count; s++) out[s] = slot_differing(x, lanes, words, s);
}

ALWAYS_INLINE uint64_t scalar_prim_scan(const uint64_t *x, int32_t core_cur, int32_t cur_index,
                                        const uint64_t *lanes, int64_t words, uint64_t *keys, const int32_t *core,
                                        int32_t *source, const int32_t *rank, int64_t lo, int64_t hi,
                                        int64_t *min_slot) {
    uint64_t min_key = UINT64_MAX;
    int64_t at = -1;
    for (int64_t j = lo; j < hi; j++) {
        uint64_t key = keys[j];
        int32_t best = (int32_t)(key >> 32);
        int32_t core_j = core[j];
        // mr >= max(core_cur, core_j): when that reaches the best no update can happen.
        if (core_cur < best && core_j < best) {
            int32_t d = slot_differing(x, lanes, words, j);
            int32_t mr = rank ? rank[d] : d;
            if (core_j > mr) mr = core_j;
            if (core_cur > mr) mr = core_cur;
            if (mr < best) {
                key = (uint64_t)(uint32_t)mr << 32 | (key & 0xFFFFFFFFu);
                keys[j] = key;
                source[j] = cur_index;
            }
        }
        if (at < 0 || key < min_key) { min_key = key; at = j; }
    }
    *min_slot = at;
    return min_key;
}

/// Inserts `value` into the ascending list of length k whose last entry is greater than it.
ALWAYS_INLINE void insert_sorted(int32_t *list, int64_t k, int32_t value) {
    int64_t i = k - 1;
    while (i > 0 && list[i - 1] > value) { list[i] = list[i - 1]; i--; }
    list[i] = value;
}

/// Offers the count d of the pair (a, b) to both lists; returns a's limit after.
ALWAYS_INLINE int32_t knn_offer(int32_t *lists, int32_t *limits, int64_t k, int64_t a, int64_t b, int32_t d,
                                int32_t limit_a) {
    if (d < limit_a) {
        insert_sorted(lists + a * k, k, d);
        limit_a = lists[a * k + k - 1];
        limits[a] = limit_a;
    }
    if (d < limits[b]) {
        insert_sorted(lists + b * k, k, d);
        limits[b] = lists[b * k + k - 1];
    }
    return limit_a;
}

ALWAYS_INLINE void scalar_knn_tiles(const uint64_t *rows, int64_t words, int64_t a_lo, int64_t a_hi, int64_t b_lo,
                                    int64_t b_hi, int same, int32_t *lists, int32_t *limits, int64_t k) {
    // A pair stops after the first quarter of its words when that partial count already reaches both
    // limits (a partial count never exceeds the full one, so such a pair cannot enter either list).
    int64_t head = words / 4 > 1 ? words / 4 : 1;
    for (int64_t a = a_lo; a < a_hi; a++) {
        const uint64_t *x = rows + a * words;
        int32_t limit_a = limits[a];
        for (int64_t b = same ? a + 1 : b_lo; b < b_hi; b++) {
            const uint64_t *y = rows + b * words;
            int32_t d = 0;
            for (int64_t w = 0; w < head; w++) d += __builtin_popcountll(x[w] ^ y[w]);
            if (head < words) {
                if (d >= limit_a && d >= limits[b]) continue;
                for (int64_t w = head; w < words; w++) d += __builtin_popcountll(x[w] ^ y[w]);
            }
            if (d < limit_a || d < limits[b]) limit_a = knn_offer(lists, limits, k, a, b, d, limit_a);
        }
    }
}

ALWAYS_INLINE void scalar_apply_pending(const uint64_t *rows, int64_t words, int64_t lo, int64_t hi,
                                        const int32_t *core, const uint64_t *keys, const uint64_t *pending_rows,
                                        const int32_t *pending_core, const int32_t *pending_position,
                                        int64_t pending, const int32_t *rank, int32_t *best_out,
                                        int32_t *position_out) {
    for (int64_t s = lo; s < hi; s++) {
        const uint64_t *y = rows + s * words;
        int32_t best = (int32_t)(keys[s] >> 32), core_s = core[s];
        int32_t position = -1;
        for (int64_t i = 0; i < pending; i++) {
            int32_t d = 0;
            for (int64_t w = 0; w < words; w++) d += __builtin_popcountll(pending_rows[i * words + w] ^ y[w]);
            int32_t mr = rank ? rank[d] : d;
            if (core_s > mr) mr = core_s;
            if (pending_core[i] > mr) mr = pending_core[i];
            if (mr < best || (mr == best && position >= 0 && pending_position[i] < position)) {
                best = mr;
                position = pending_position[i];
            }
        }
        best_out[s - lo] = best;
        position_out[s - lo] = position;
    }
}

/// Bits by which two row-major rows differ.
ALWAYS_INLINE int32_t rows_differing(const uint64_t *x, const uint64_t *y, int64_t words) {
    int32_t d = 0;
    for (int64_t w = 0; w < words; w++) d += __builtin_popcountll(x[w] ^ y[w]);
    return d;
}

/// Bits by which x differs from each of `count` rows: rows + which[i] * words, or row i when `which` is
/// NULL. One-word and eight-word rows (d <= 64 and d <= 512, the common binary widths) get loops of their own.
ALWAYS_INLINE void rows_differing_many(const uint64_t *x, const uint64_t *rows, int64_t words, const int32_t *which,
                                       int64_t count, int32_t *out) {
    if (words == 1) {
        const uint64_t x0 = x[0];
        if (which) for (int64_t i = 0; i < count; i++) out[i] = __builtin_popcountll(x0 ^ rows[which[i]]);
        else for (int64_t i = 0; i < count; i++) out[i] = __builtin_popcountll(x0 ^ rows[i]);
        return;
    }
    if (words == 8) {  // 449 <= d <= 512: a constant trip count the compiler unrolls
        for (int64_t i = 0; i < count; i++)
            out[i] = rows_differing(x, rows + (which ? (int64_t)which[i] : i) * 8, 8);
        return;
    }
    for (int64_t i = 0; i < count; i++)
        out[i] = rows_differing(x, rows + (which ? (int64_t)which[i] : i) * words, words);
}

/// GroupJaccard.distance's operations, in its order (see GroupJaccardKernel.swift).
ALWAYS_INLINE double group_jaccard(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                                   const long *word_start, int64_t groups) {
    double sum = 0;
    int64_t non_empty = 0;
    for (int64_t g = 0; g < groups; g++) {
        int64_t ox = ones_x[g], oy = ones_y[g];
        if ((ox | oy) == 0) continue;
        int64_t both = 0;
        if (ox != 0 && oy != 0)
            for (long w = word_start[g]; w < word_start[g + 1]; w++) both += __builtin_popcountll(x[w] & y[w]);
        sum += (double)both / (double)(ox + oy - both);
        non_empty++;
    }
    return non_empty == 0 ? 0 : 1 - sum / (double)non_empty;
}

/// group_jaccard, or INFINITY as soon as the distance is sure to exceed `limit`: the groups either row
/// has are counted first, and a group both have adds at most 1 to the sum, so 1 - (sum so far + the
/// groups both have still to come) / count is a lower bound that only rises. A distance returned is
/// group_jaccard's own double (the same operations in the same order).
ALWAYS_INLINE double group_jaccard_below(const uint64_t *x, const int32_t *ones_x, const uint64_t *y,
                                         const int32_t *ones_y, const long *word_start, int64_t groups,
                                         double limit) {
    int64_t non_empty = 0, shared = 0;
    for (int64_t g = 0; g < groups; g++) {
        int32_t ox = ones_x[g], oy = ones_y[g];
        non_empty += (ox | oy) != 0;
        shared += ox != 0 && oy != 0;
    }
    if (non_empty == 0) return 0;
    // The bound exceeds limit when sum + still < reach.
    double reach = (1 - limit) * (double)non_empty;
    double sum = 0, still = (double)shared;
    if (still < reach) return INFINITY;
    for (int64_t g = 0; g < groups; g++) {
        int64_t ox = ones_x[g], oy = ones_y[g];
        if ((ox | oy) == 0) continue;
        int64_t both = 0;
        if (ox != 0 && oy != 0) {
            for (long w = word_start[g]; w < word_start[g + 1]; w++) both += __builtin_popcountll(x[w] & y[w]);
            sum += (double)both / (double)(ox + oy - both);
            still -= 1;
            if (sum + still < reach) return INFINITY;
        } else {
            sum += (double)both / (double)(ox + oy - both);
        }
    }
    return 1 - sum / (double)non_empty;
}

/// group_jaccard from x to `count` rows (row r at y + r * words, its counts at ones_y + r * groups) into
/// out[r], four rows at a time: the four sums are independent chains the CPU overlaps, where one pair
/// waits on each division. Each lane does group_jaccard's operations in its order, and a group neither
/// row has adds 0/1 = +0 to a sum that is never negative, which leaves it as it was: the same doubles.
ALWAYS_INLINE void group_jaccard_many(const uint64_t *x, const int32_t *ones_x, const uint64_t *y,
                                      const int32_t *ones_y, int64_t words, const long *word_start,
                                      int64_t groups, int64_t count, double *out) {
    int64_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const uint64_t *y0 = y + r * words, *y1 = y0 + words, *y2 = y1 + words, *y3 = y2 + words;
        const int32_t *o0 = ones_y + r * groups, *o1 = o0 + groups, *o2 = o1 + groups, *o3 = o2 + groups;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t n0 = 0, n1 = 0, n2 = 0, n3 = 0;
        for (int64_t g = 0; g < groups; g++) {
            int64_t ox = ones_x[g];
            int64_t a0 = o0[g], a1 = o1[g], a2 = o2[g], a3 = o3[g];
            if ((ox | a0 | a1 | a2 | a3) == 0) continue;
            int64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            if (ox != 0)
                for (long w = word_start[g]; w < word_start[g + 1]; w++) {
                    uint64_t xw = x[w];
                    if (xw == 0) continue;
                    b0 += __builtin_popcountll(xw & y0[w]);
                    b1 += __builtin_popcountll(xw & y1[w]);
                    b2 += __builtin_popcountll(xw & y2[w]);
                    b3 += __builtin_popcountll(xw & y3[w]);
                }
            int64_t u0 = ox + a0 - b0, u1 = ox + a1 - b1, u2 = ox + a2 - b2, u3 = ox + a3 - b3;
            s0 += (double)b0 / (double)(u0 != 0 ? u0 : 1);
            s1 += (double)b1 / (double)(u1 != 0 ? u1 : 1);
            s2 += (double)b2 / (double)(u2 != 0 ? u2 : 1);
            s3 += (double)b3 / (double)(u3 != 0 ? u3 : 1);
            n0 += u0 != 0; n1 += u1 != 0; n2 += u2 != 0; n3 += u3 != 0;
        }
        out[r] = n0 == 0 ? 0 : 1 - s0 / (double)n0;
        out[r + 1] = n1 == 0 ? 0 : 1 - s1 / (double)n1;
        out[r + 2] = n2 == 0 ? 0 : 1 - s2 / (double)n2;
        out[r + 3] = n3 == 0 ? 0 : 1 - s3 / (double)n3;
    }
    for (; r < count; r++) out[r] = group_jaccard(x, ones_x, y + r * words, ones_y + r * groups, word_start, groups);
}

// The portable path, compiled twice: for any CPU, and for x86-64 CPUs with the popcnt instruction.
#define PORTABLE_KERNELS(prefix, attributes)                                                                  \
    attributes static void prefix##_differing(const uint64_t *x, const uint64_t *lanes, int64_t words,         \
                                              int64_t count, int32_t *out) {                                   \
        scalar_differing(x, lanes, words, count, out);                                                         \
    }                                                                                                          \
    attributes static uint64_t prefix##_prim_scan(const uint64_t *x, int32_t core_cur, int32_t cur_index,      \
                                                  const uint64_t *lanes, int64_t words, uint64_t *keys,        \
                                                  const int32_t *core, int32_t *source, const int32_t *rank,   \
                                                  int64_t lo, int64_t hi, int64_t *min_slot) {                 \
        return scalar_prim_scan(x, core_cur, cur_index, lanes, words, keys, core, source, rank, lo, hi,        \
                                min_slot);                                                                     \
    }                                                                                                          \
    attributes static void prefix##_knn_tiles(const uint64_t *rows, int64_t words, int64_t a_lo, int64_t a_hi, \
                                              int64_t b_lo, int64_t b_hi, int same, int32_t *lists,            \
                                              int32_t *limits, int64_t k) {                                    \
        scalar_knn_tiles(rows, words, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k);                         \
    }                                                                                                          \
    attributes static int32_t prefix##_rows_differing(const uint64_t *x, const uint64_t *y, int64_t words) {    \
        return rows_differing(x, y, words);                                                                    \
    }                                                                                                          \
    attributes static void prefix##_rows_differing_many(const uint64_t *x, const uint64_t *rows, int64_t words, \
                                                        const int32_t *which, int64_t count, int32_t *out) {   \
        rows_differing_many(x, rows, words, which, count, out);                                                \
    }                                                                                                          \
    attributes static double prefix##_group_jaccard(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, \
                                                    const int32_t *ones_y, const long *word_start,            \
                                                    int64_t groups) {                                          \
        return group_jaccard(x, ones_x, y, ones_y, word_start, groups);                                        \
    }                                                                                                          \
    attributes static double prefix##_group_jaccard_below(const uint64_t *x, const int32_t *ones_x,          \
                                                          const uint64_t *y, const int32_t *ones_y,          \
                                                          const long *word_start, int64_t groups,            \
                                                          double limit) {                                    \
        return group_jaccard_below(x, ones_x, y, ones_y, word_start, groups, limit);                          \
    }                                                                                                          \
    attributes static void prefix##_group_jaccard_many(const uint64_t *x, const int32_t *ones_x,             \
                                                       const uint64_t *y, const int32_t *ones_y, int64_t words, \
                                                       const long *word_start, int64_t groups, int64_t count,  \
                                                       double *out) {                                          \
        group_jaccard_many(x, ones_x, y, ones_y, words, word_start, groups, count, out);                       \
    }                                                                                                          \
    attributes static void prefix##_apply_pending(                                                             \
        const uint64_t *rows, int64_t words, int64_t lo, int64_t hi, const int32_t *core, const uint64_t *keys, \
        const uint64_t *pending_rows, const int32_t *pending_core, const int32_t *pending_position,            \
        int64_t pending, const int32_t *rank, int32_t *best_out, int32_t *position_out) {                      \
        scalar_apply_pending(rows, words, lo, hi, core, keys, pending_rows, pending_core, pending_position,    \
                             pending, rank, best_out, position_out);                                           \
    }

PORTABLE_KERNELS(plain, )

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define HAVE_X86_PATHS 1
#define VECTOR_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512vpopcntdq,avx2,popcnt")))

PORTABLE_KERNELS(popcnt, __attribute__((target("popcnt"))))

/// The counts of bits by which the eight slots of group g differ from the row x, one per 64-bit lane.
VECTOR_TARGET ALWAYS_INLINE __m512i group_differing(const uint64_t *x, const uint64_t *lanes, int64_t words,
                                                   int64_t g) {
    const uint64_t *base = lanes + g * words * 8;
    __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
    int64_t w = 0;
    // Two sums, so consecutive words do not wait on one another.
    for (; w + 1 < words; w += 2) {
        even = _mm512_add_epi64(even, _mm512_popcnt_epi64(_mm512_xor_si512(
            _mm512_loadu_si512(base + w * 8), _mm512_set1_epi64((long long)x[w]))));
        odd = _mm512_add_epi64(odd, _mm512_popcnt_epi64(_mm512_xor_si512(
            _mm512_loadu_si512(base + (w + 1) * 8), _mm512_set1_epi64((long long)x[w + 1]))));
    }
    if (w < words)
        even = _mm512_add_epi64(even, _mm512_popcnt_epi64(_mm512_xor_si512(
            _mm512_loadu_si512(base + w * 8), _mm512_set1_epi64((long long)x[w]))));
    return _mm512_add_epi64(even, odd);
}

/// The lanes of group g that fall in lo..<hi.
ALWAYS_INLINE __mmask8 group_mask(int64_t g, int64_t lo, int64_t hi) {
    int64_t first = g * 8;
    unsigned mask = 0xFF;
    if (lo > first) mask &= 0xFFu << (lo - first);
    if (hi < first + 8) mask &= (1u << (hi - first)) - 1;
    return (__mmask8)mask;
}

VECTOR_TARGET ALWAYS_INLINE void vector_differing_body(const uint64_t *x, const uint64_t *lanes, int64_t words,
                                                      int64_t count, int32_t *out) {
    for (int64_t g = 0; g * 8 < count; g++) {
        __m512i d = group_differing(x, lanes, words, g);
        _mm256_mask_storeu_epi32(out + g * 8, group_mask(g, 0, count), _mm512_cvtepi64_epi32(d));
    }
}

VECTOR_TARGET ALWAYS_INLINE uint64_t vector_prim_body(const uint64_t *x, int32_t core_cur, int32_t cur_index,
                                                     const uint64_t *lanes, int64_t words, uint64_t *keys,
                                                     const int32_t *core, int32_t *source, const int32_t *rank,
                                                     int64_t lo, int64_t hi, int64_t *min_slot) {
    if (lo >= hi) { *min_slot = -1; return UINT64_MAX; }
    __m512i min_key = _mm512_set1_epi64(-1);
    __m512i min_at = _mm512_set1_epi64(-1);
    int64_t g_lo = lo >> 3, g_hi = (hi + 7) >> 3;
    __m512i slots = _mm512_add_epi64(_mm512_set1_epi64(g_lo * 8), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    const __m512i eight = _mm512_set1_epi64(8);
    const __m512i core_c = _mm512_set1_epi64(core_cur);
    const __m512i low = _mm512_set1_epi64(0xFFFFFFFFll);
    const __m256i index = _mm256_set1_epi32(cur_index);
    for (int64_t g = g_lo; g < g_hi; g++) {
        __mmask8 lane_mask = group_mask(g, lo, hi);
        int64_t j = g * 8;
        __m512i d = group_differing(x, lanes, words, g);
        __m512i mr = rank ? _mm512_cvtepu32_epi64(_mm512_mask_i64gather_epi32(_mm256_setzero_si256(), lane_mask, d,
                                                                              rank, 4))
                          : d;
        mr = _mm512_max_epi64(mr, _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(lane_mask, core + j)));
        mr = _mm512_max_epi64(mr, core_c);
        __m512i key = _mm512_maskz_loadu_epi64(lane_mask, keys + j);
        __mmask8 update = _mm512_mask_cmplt_epi64_mask(lane_mask, mr, _mm512_srli_epi64(key, 32));
        if (update) {
            key = _mm512_mask_or_epi64(key, update, _mm512_slli_epi64(mr, 32), _mm512_and_si512(key, low));
            _mm512_mask_storeu_epi64(keys + j, update, key);
            _mm256_mask_storeu_epi32(source + j, update, index);
        }
        __mmask8 smaller = _mm512_mask_cmplt_epu64_mask(lane_mask, key, min_key);
        min_key = _mm512_mask_mov_epi64(min_key, smaller, key);
        min_at = _mm512_mask_mov_epi64(min_at, smaller, slots);
        slots = _mm512_add_epi64(slots, eight);
    }
    uint64_t k8[8];
    int64_t at8[8];
    _mm512_storeu_si512(k8, min_key);
    _mm512_storeu_si512(at8, min_at);
    uint64_t best = UINT64_MAX;
    int64_t at = -1;
    for (int s = 0; s < 8; s++) {
        if (at8[s] >= 0 && (at < 0 || k8[s] < best)) { best = k8[s]; at = at8[s]; }
    }
    *min_slot = at;
    return best;
}

VECTOR_TARGET ALWAYS_INLINE void vector_knn_body(const uint64_t *rows, const uint64_t *lanes, int64_t words,
                                                int64_t a_lo, int64_t a_hi, int64_t b_lo, int64_t b_hi, int same,
                                                int32_t *lists, int32_t *limits, int64_t k) {
    int32_t counts[8];
    for (int64_t a = a_lo; a < a_hi; a++) {
        const uint64_t *x = rows + a * words;
        int32_t limit_a = limits[a];
        int64_t from = same ? a + 1 : b_lo;
        for (int64_t g = from >> 3; g * 8 < b_hi; g++) {
            __mmask8 lane_mask = group_mask(g, from, b_hi);
            int64_t b = g * 8;
            __m512i d = group_differing(x, lanes, words, g);
            __m512i limit_b = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(lane_mask, limits + b));
            __mmask8 offered = _mm512_mask_cmplt_epi64_mask(lane_mask, d, limit_b)
                             | _mm512_mask_cmplt_epi64_mask(lane_mask, d, _mm512_set1_epi64(limit_a));
            if (!offered) continue;
            _mm256_storeu_si256((__m256i *)counts, _mm512_cvtepi64_epi32(d));
            while (offered) {
                int s = __builtin_ctz(offered);
                offered &= (__mmask8)(offered - 1);
                limit_a = knn_offer(lists, limits, k, a, b + s, counts[s], limit_a);
            }
        }
    }
}

// Constant widths let the compiler unroll the common row sizes (d <= 64 and d <= 512).
VECTOR_TARGET static void vector_differing(const uint64_t *x, const uint64_t *lanes, int64_t words, int64_t count,
                                           int32_t *out) {
    if (words == 1) vector_differing_body(x, lanes, 1, count, out);
    else if (words == 8) vector_differing_body(x, lanes, 8, count, out);
    else vector_differing_body(x, lanes, words, count, out);
}

VECTOR_TARGET static uint64_t vector_prim_scan(const uint64_t *x, int32_t core_cur, int32_t cur_index,
                                               const uint64_t *lanes, int64_t words, uint64_t *keys,
                                               const int32_t *core, int32_t *source, const int32_t *rank,
                                               int64_t lo, int64_t hi, int64_t *min_slot) {
    if (words == 1)
        return vector_prim_body(x, core_cur, cur_index, lanes, 1, keys, core, source, rank, lo, hi, min_slot);
    if (words == 8)
        return vector_prim_body(x, core_cur, cur_index, lanes, 8, keys, core, source, rank, lo, hi, min_slot);
    return vector_prim_body(x, core_cur, cur_index, lanes, words, keys, core, source, rank, lo, hi, min_slot);
}

VECTOR_TARGET static void vector_knn_tiles(const uint64_t *rows, const uint64_t *lanes, int64_t words, int64_t a_lo,
                                           int64_t a_hi, int64_t b_lo, int64_t b_hi, int same, int32_t *lists,
                                           int32_t *limits, int64_t k) {
    if (words == 1) vector_knn_body(rows, lanes, 1, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k);
    else if (words == 8) vector_knn_body(rows, lanes, 8, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k);
    else vector_knn_body(rows, lanes, words, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k);
}

/// Rows first..first+7 (row-major, at most eight words each; rows at or past `hi` read as zero) turned
/// so that m[w] holds word w of the eight rows.
VECTOR_TARGET ALWAYS_INLINE void transpose8(const uint64_t *rows, int64_t words, int64_t first, int64_t hi,
                                           __m512i m[8]) {
    __mmask8 word_mask = (__mmask8)((1u << words) - 1);
    __m512i r[8];
    for (int s = 0; s < 8; s++)
        r[s] = first + s < hi ? _mm512_maskz_loadu_epi64(word_mask, rows + (first + s) * words) : _mm512_setzero_si512();
    __m512i t0 = _mm512_unpacklo_epi64(r[0], r[1]), t1 = _mm512_unpackhi_epi64(r[0], r[1]);
    __m512i t2 = _mm512_unpacklo_epi64(r[2], r[3]), t3 = _mm512_unpackhi_epi64(r[2], r[3]);
    __m512i t4 = _mm512_unpacklo_epi64(r[4], r[5]), t5 = _mm512_unpackhi_epi64(r[4], r[5]);
    __m512i t6 = _mm512_unpacklo_epi64(r[6], r[7]), t7 = _mm512_unpackhi_epi64(r[6], r[7]);
    __m512i u0 = _mm512_shuffle_i64x2(t0, t2, 0x88), u1 = _mm512_shuffle_i64x2(t0, t2, 0xDD);
    __m512i u2 = _mm512_shuffle_i64x2(t1, t3, 0x88), u3 = _mm512_shuffle_i64x2(t1, t3, 0xDD);
    __m512i u4 = _mm512_shuffle_i64x2(t4, t6, 0x88), u5 = _mm512_shuffle_i64x2(t4, t6, 0xDD);
    __m512i u6 = _mm512_shuffle_i64x2(t5, t7, 0x88), u7 = _mm512_shuffle_i64x2(t5, t7, 0xDD);
    m[0] = _mm512_shuffle_i64x2(u0, u4, 0x88); m[4] = _mm512_shuffle_i64x2(u0, u4, 0xDD);
    m[2] = _mm512_shuffle_i64x2(u1, u5, 0x88); m[6] = _mm512_shuffle_i64x2(u1, u5, 0xDD);
    m[1] = _mm512_shuffle_i64x2(u2, u6, 0x88); m[5] = _mm512_shuffle_i64x2(u2, u6, 0xDD);
    m[3] = _mm512_shuffle_i64x2(u3, u7, 0x88); m[7] = _mm512_shuffle_i64x2(u3, u7, 0xDD);
}

/// Rows of at most eight words: eight member rows at a time stay in registers while the pending rows
/// stream past; (mr, position + 1) in one 64-bit lane makes the lexicographic minimum one vpminuq.
VECTOR_TARGET ALWAYS_INLINE void vector_apply_body(const uint64_t *rows, int64_t words, int64_t lo, int64_t hi,
                                                  const int32_t *core, const uint64_t *keys,
                                                  const uint64_t *pending_rows, const int32_t *pending_core,
                                                  const int32_t *pending_position, int64_t pending,
                                                  const int32_t *rank, int32_t *best_out, int32_t *position_out) {
    for (int64_t first = lo; first < hi; first += 8) {
        __mmask8 lane_mask = (__mmask8)(hi - first >= 8 ? 0xFF : (1u << (hi - first)) - 1);
        __m512i m[8];
        transpose8(rows, words, first, hi, m);
        __m512i core_s = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(lane_mask, core + first));
        // (best, none): position 0 stands for none, pending positions count from 1.
        __m512i least = _mm512_slli_epi64(_mm512_srli_epi64(_mm512_maskz_loadu_epi64(lane_mask, keys + first), 32), 32);
        for (int64_t i = 0; i < pending; i++) {
            const uint64_t *v = pending_rows + i * words;
            __m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(m[0], _mm512_set1_epi64((long long)v[0])));
            for (int64_t w = 1; w < words; w++)
                d = _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(m[w], _mm512_set1_epi64((long long)v[w]))));
            __m512i mr = rank ? _mm512_cvtepu32_epi64(_mm512_i64gather_epi32(d, rank, 4)) : d;
            mr = _mm512_max_epi64(mr, core_s);
            mr = _mm512_max_epi64(mr, _mm512_set1_epi64(pending_core[i]));
            __m512i candidate = _mm512_or_si512(_mm512_slli_epi64(mr, 32),
                                                _mm512_set1_epi64((long long)pending_position[i] + 1));
            least = _mm512_min_epu64(least, candidate);
        }
        _mm256_mask_storeu_epi32(best_out + (first - lo), lane_mask, _mm512_cvtepi64_epi32(_mm512_srli_epi64(least, 32)));
        __m512i position = _mm512_sub_epi64(_mm512_and_si512(least, _mm512_set1_epi64(0xFFFFFFFFll)), _mm512_set1_epi64(1));
        _mm256_mask_storeu_epi32(position_out + (first - lo), lane_mask, _mm512_cvtepi64_epi32(position));
    }
}

VECTOR_TARGET static void vector_apply_pending(const uint64_t *rows, int64_t words, int64_t lo, int64_t hi,
                                               const int32_t *core, const uint64_t *keys,
                                               const uint64_t *pending_rows, const int32_t *pending_core,
                                               const int32_t *pending_position, int64_t pending,
                                               const int32_t *rank, int32_t *best_out, int32_t *position_out) {
    if (words == 8)
        vector_apply_body(rows, 8, lo, hi, core, keys, pending_rows, pending_core, pending_position, pending, rank,
                          best_out, position_out);
    else
        vector_apply_body(rows, words, lo, hi, core, keys, pending_rows, pending_core, pending_position, pending,
                          rank, best_out, position_out);
}

static int has_popcnt(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt");
}

// The pair kernels run once per pair, so they read the answer from a variable set before main.
static int popcnt_at_start;
__attribute__((constructor)) static void read_cpu_at_start(void) { popcnt_at_start = has_popcnt(); }
#endif

int cbk_popcnt_available(void) {
#ifdef HAVE_X86_PATHS
    return has_popcnt();
#else
    return 0;
#endif
}

int32_t cbk_rows_differing(const uint64_t *x, const uint64_t *y, int64_t words) {
#ifdef HAVE_X86_PATHS
    if (popcnt_at_start) return popcnt_rows_differing(x, y, words);
#endif
    return plain_rows_differing(x, y, words);
}

void cbk_rows_differing_many(const uint64_t *x, const uint64_t *rows, int64_t words, const int32_t *which,
                             int64_t count, int32_t *out) {
#ifdef HAVE_X86_PATHS
    if (popcnt_at_start) { popcnt_rows_differing_many(x, rows, words, which, count, out); return; }
#endif
    plain_rows_differing_many(x, rows, words, which, count, out);
}

double cbk_group_jaccard(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                         const long *word_start, int64_t groups) {
#ifdef HAVE_X86_PATHS
    if (popcnt_at_start) return popcnt_group_jaccard(x, ones_x, y, ones_y, word_start, groups);
#endif
    return plain_group_jaccard(x, ones_x, y, ones_y, word_start, groups);
}

double cbk_group_jaccard_below(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                               const long *word_start, int64_t groups, double limit) {
#ifdef HAVE_X86_PATHS
    if (popcnt_at_start) return popcnt_group_jaccard_below(x, ones_x, y, ones_y, word_start, groups, limit);
#endif
    return plain_group_jaccard_below(x, ones_x, y, ones_y, word_start, groups, limit);
}

void cbk_group_jaccard_many(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                            int64_t words, const long *word_start, int64_t groups, int64_t count, double *out) {
#ifdef HAVE_X86_PATHS
    if (popcnt_at_start) { popcnt_group_jaccard_many(x, ones_x, y, ones_y, words, word_start, groups, count, out); return; }
#endif
    plain_group_jaccard_many(x, ones_x, y, ones_y, words, word_start, groups, count, out);
}

int cbk_avx512_allowed(void) {
    const char *value = getenv("CUCKOOML_NO_AVX512");
    return !(value && value[0] && strcmp(value, "0") != 0);
}

int cbk_vector_available(void) {
#ifdef HAVE_X86_PATHS
    __builtin_cpu_init();
    return cbk_avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    return 0;
#endif
}

void cbk_differing(const uint64_t *x, const uint64_t *lanes, int64_t words, int64_t count, int32_t *out, int vector) {
#ifdef HAVE_X86_PATHS
    if (vector) { vector_differing(x, lanes, words, count, out); return; }
    if (has_popcnt()) { popcnt_differing(x, lanes, words, count, out); return; }
#endif
    (void)vector;
    plain_differing(x, lanes, words, count, out);
}

uint64_t cbk_prim_scan(const uint64_t *x, int32_t core_cur, int32_t cur_index, const uint64_t *lanes,
                       int64_t words, uint64_t *keys, const int32_t *core, int32_t *source, const int32_t *rank,
                       int64_t lo, int64_t hi, int64_t *min_slot, int vector) {
#ifdef HAVE_X86_PATHS
    if (vector) return vector_prim_scan(x, core_cur, cur_index, lanes, words, keys, core, source, rank, lo, hi, min_slot);
    if (has_popcnt())
        return popcnt_prim_scan(x, core_cur, cur_index, lanes, words, keys, core, source, rank, lo, hi, min_slot);
#endif
    (void)vector;
    return plain_prim_scan(x, core_cur, cur_index, lanes, words, keys, core, source, rank, lo, hi, min_slot);
}

void cbk_knn_tiles(const uint64_t *rows, const uint64_t *lanes, int64_t words, int64_t a_lo, int64_t a_hi,
                   int64_t b_lo, int64_t b_hi, int same, int32_t *lists, int32_t *limits, int64_t k, int vector) {
#ifdef HAVE_X86_PATHS
    if (vector) { vector_knn_tiles(rows, lanes, words, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k); return; }
    if (has_popcnt()) { popcnt_knn_tiles(rows, words, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k); return; }
#endif
    (void)vector; (void)lanes;
    plain_knn_tiles(rows, words, a_lo, a_hi, b_lo, b_hi, same, lists, limits, k);
}

void cbk_apply_pending(const uint64_t *rows, int64_t words, int64_t lo, int64_t hi, const int32_t *core,
                       const uint64_t *keys, const uint64_t *pending_rows, const int32_t *pending_core,
                       const int32_t *pending_position, int64_t pending, const int32_t *rank, int32_t *best_out,
                       int32_t *position_out, int vector) {
#ifdef HAVE_X86_PATHS
    // The vector path holds eight member rows in registers: rows of at most eight words.
    if (vector && words <= 8) {
        vector_apply_pending(rows, words, lo, hi, core, keys, pending_rows, pending_core, pending_position, pending,
                             rank, best_out, position_out);
        return;
    }
    if (has_popcnt()) {
        popcnt_apply_pending(rows, words, lo, hi, core, keys, pending_rows, pending_core, pending_position, pending,
                             rank, best_out, position_out);
        return;
    }
#endif
    (void)vector;
    plain_apply_pending(rows, words, lo, hi, core, keys, pending_rows, pending_core, pending_position, pending, rank,
                        best_out, position_out);
}
