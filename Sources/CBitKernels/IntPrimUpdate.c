// Prim's update and minimum over integer keys (see CIntPrimUpdate.h): a portable path and an AVX2 one.
#include "CBitKernels.h"

static void plain_update(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best,
                         const uint32_t *index, const uint32_t *core, int32_t *source, uint32_t core_cur,
                         int32_t cur_index, uint64_t *min_key, int64_t *min_slot) {
    uint64_t least = *min_key;
    int64_t at = *min_slot;
    for (int64_t s = lo; s < hi; s++) {
        uint32_t b = best[s];
        uint32_t mr = (uint32_t)d[s - first];
        if (core[s] > mr) mr = core[s];
        if (core_cur > mr) mr = core_cur;
        if (mr < b) {
            b = mr;
            best[s] = b;
            source[s] = cur_index;
        }
        uint64_t key = (uint64_t)b << 32 | index[s];
        if (key < least) { least = key; at = s; }
    }
    *min_key = least;
    *min_slot = at;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define PRIM_AVX2_TARGET __attribute__((target("avx2")))
static int prim_avx2_at_start;
__attribute__((constructor)) static void read_prim_avx2_at_start(void) {
    __builtin_cpu_init();
    prim_avx2_at_start = __builtin_cpu_supports("avx2");
}

// Eight slots a step. Unsigned comparisons flip the sign bit and compare signed. Each lane keeps its
// least (best, index) and slot; the lanes and the portable tail are reduced at the end.
PRIM_AVX2_TARGET static void avx2_update(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best,
                                         const uint32_t *index, const uint32_t *core, int32_t *source,
                                         uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                                         int64_t *min_slot) {
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
    const __m256i cc = _mm256_set1_epi32((int)core_cur), ci = _mm256_set1_epi32(cur_index);
    const __m256i eight = _mm256_set1_epi32(8);
    // Least best and index per lane, sign-flipped; (max, max) is above every key.
    __m256i mb = _mm256_set1_epi32(0x7FFFFFFF), mi = _mm256_set1_epi32(0x7FFFFFFF);
    __m256i ms = _mm256_set1_epi32(-1);
    __m256i slots = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int64_t s = lo;
    const int64_t vector_end = lo + (hi - lo) / 8 * 8;
    // Slots as offsets from lo (32-bit lanes).
    for (; s < vector_end; s += 8) {
        __m256i dv = _mm256_loadu_si256((const __m256i *)(d + (s - first)));
        __m256i c = _mm256_loadu_si256((const __m256i *)(core + s));
        __m256i b = _mm256_loadu_si256((const __m256i *)(best + s));
        __m256i mr = _mm256_max_epu32(_mm256_max_epu32(dv, c), cc);
        __m256i bx = _mm256_xor_si256(b, sign), mrx = _mm256_xor_si256(mr, sign);
        __m256i update = _mm256_cmpgt_epi32(bx, mrx);
        if (!_mm256_testz_si256(update, update)) {
            b = _mm256_blendv_epi8(b, mr, update);
            bx = _mm256_blendv_epi8(bx, mrx, update);
            _mm256_storeu_si256((__m256i *)(best + s), b);
            __m256i src = _mm256_loadu_si256((const __m256i *)(source + s));
            _mm256_storeu_si256((__m256i *)(source + s), _mm256_blendv_epi8(src, ci, update));
        }
        __m256i ix = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(index + s)), sign);
        __m256i less = _mm256_or_si256(_mm256_cmpgt_epi32(mb, bx),
                                       _mm256_and_si256(_mm256_cmpeq_epi32(mb, bx), _mm256_cmpgt_epi32(mi, ix)));
        mb = _mm256_blendv_epi8(mb, bx, less);
        mi = _mm256_blendv_epi8(mi, ix, less);
        ms = _mm256_blendv_epi8(ms, slots, less);
        slots = _mm256_add_epi32(slots, eight);
    }
    int32_t lb[8], li[8], lsl[8];
    _mm256_storeu_si256((__m256i *)lb, mb);
    _mm256_storeu_si256((__m256i *)li, mi);
    _mm256_storeu_si256((__m256i *)lsl, ms);
    uint64_t least = *min_key;
    int64_t at = *min_slot;
    for (int l = 0; l < 8; l++) {
        if (lsl[l] < 0) continue;
        uint64_t key = (uint64_t)((uint32_t)lb[l] ^ 0x80000000u) << 32 | ((uint32_t)li[l] ^ 0x80000000u);
        if (key < least) { least = key; at = lo + lsl[l]; }
    }
    *min_key = least;
    *min_slot = at;
    plain_update(d, first, vector_end, hi, best, index, core, source, core_cur, cur_index, min_key, min_slot);
}

int cip_vector_available(void) { return prim_avx2_at_start; }

void cip_update_path(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best, const uint32_t *index,
                     const uint32_t *core, int32_t *source, uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                     int64_t *min_slot, int vector) {
    // Slot offsets must fit the 32-bit lanes.
    if (vector && prim_avx2_at_start && hi - lo < ((int64_t)1 << 31))
        avx2_update(d, first, lo, hi, best, index, core, source, core_cur, cur_index, min_key, min_slot);
    else
        plain_update(d, first, lo, hi, best, index, core, source, core_cur, cur_index, min_key, min_slot);
}
#else
int cip_vector_available(void) { return 0; }

void cip_update_path(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best, const uint32_t *index,
                     const uint32_t *core, int32_t *source, uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                     int64_t *min_slot, int vector) {
    (void)vector;
    plain_update(d, first, lo, hi, best, index, core, source, core_cur, cur_index, min_key, min_slot);
}
#endif

void cip_update(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best, const uint32_t *index,
                const uint32_t *core, int32_t *source, uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                int64_t *min_slot) {
    cip_update_path(d, first, lo, hi, best, index, core, source, core_cur, cur_index, min_key, min_slot, 1);
}

static inline void insert_sorted(int32_t *list, int64_t k, int32_t value) {
    int64_t i = k - 1;
    while (i > 0 && list[i - 1] > value) { list[i] = list[i - 1]; i--; }
    list[i] = value;
}

// One offer of row a's values from b to b1 (the lists' kth values read as they change).
static inline void plain_offer_row(const int32_t *row, int64_t a, int64_t b, int64_t b0, int64_t b1, int32_t *lists,
                                   int64_t k) {
    int32_t *list_a = lists + a * k;
    for (; b < b1; b++) {
        int32_t v = row[b - b0];
        if (v < list_a[k - 1]) insert_sorted(list_a, k, v);
        int32_t *list_b = lists + b * k;
        if (v < list_b[k - 1]) insert_sorted(list_b, k, v);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
// k = 1 (min_samples 1, the 2016 pipeline's `cluster hdbscan 1 6`): each list is one value, so the
// offers are minima: row a's as a vector, the slots' lists eight at a time.
PRIM_AVX2_TARGET static void avx2_offer_row_1(const int32_t *row, int64_t a, int64_t b, int64_t b0, int64_t b1,
                                              int32_t *lists) {
    __m256i least = _mm256_set1_epi32(INT32_MAX);
    for (; b + 8 <= b1; b += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(row + (b - b0)));
        least = _mm256_min_epi32(least, v);
        __m256i l = _mm256_loadu_si256((const __m256i *)(lists + b));
        _mm256_storeu_si256((__m256i *)(lists + b), _mm256_min_epi32(l, v));
    }
    __m128i m = _mm_min_epi32(_mm256_castsi256_si128(least), _mm256_extracti128_si256(least, 1));
    m = _mm_min_epi32(m, _mm_shuffle_epi32(m, 0x4E));
    m = _mm_min_epi32(m, _mm_shuffle_epi32(m, 0xB1));
    int32_t row_least = _mm_cvtsi128_si32(m);
    if (row_least < lists[a]) lists[a] = row_least;
    plain_offer_row(row, a, b, b0, b1, lists, 1);
}

// Any k: eight offers compared at once with row a's kth value and the slots' (gathered); only lanes
// either list takes go through the insertion.
PRIM_AVX2_TARGET static void avx2_offer_row(const int32_t *row, int64_t a, int64_t b, int64_t b0, int64_t b1,
                                            int32_t *lists, int64_t k) {
    int32_t *list_a = lists + a * k;
    const __m256i steps = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)k));
    for (; b + 8 <= b1; b += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(row + (b - b0)));
        __m256i kth_b = _mm256_i32gather_epi32(lists + b * k + k - 1, steps, 4);
        __m256i takes = _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(list_a[k - 1]), v),
                                        _mm256_cmpgt_epi32(kth_b, v));
        if (_mm256_testz_si256(takes, takes)) continue;
        plain_offer_row(row, a, b, b0, b + 8, lists, k);
    }
    plain_offer_row(row, a, b, b0, b1, lists, k);
}
#endif

void cip_offer_tile(const int32_t *out, int64_t out_stride, int64_t a0, int64_t a1, int64_t b0, int64_t b1, int same,
                    int32_t *lists, int64_t k, int vector) {
    for (int64_t a = a0; a < a1; a++) {
        const int32_t *row = out + (a - a0) * out_stride;
        int64_t b = same ? a + 1 : b0;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
        // Slot offsets times k must fit the gather's 32-bit indices.
        if (vector && prim_avx2_at_start && (b1 - b0) * k < ((int64_t)1 << 31)) {
            if (k == 1) avx2_offer_row_1(row, a, b, b0, b1, lists);
            else avx2_offer_row(row, a, b, b0, b1, lists, k);
            continue;
        }
#endif
        (void)vector;
        plain_offer_row(row, a, b, b0, b1, lists, k);
    }
}
