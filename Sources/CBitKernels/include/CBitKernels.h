#ifndef CBITKERNELS_H
#define CBITKERNELS_H

#include <stdint.h>
#include "CIntKernels.h"
#include "CIntDotKernels.h"
#include "CIntBitByteKernels.h"
#include "CIntPrimUpdate.h"
#include "CGroupJaccardSparse.h"

/// Popcount kernels over packed bit rows for the bit engine's k-NN and Prim, and the pair distances of
/// the bit and group-Jaccard kernels.
///
/// Every kernel has a portable path and, on x86-64 CPUs with AVX-512 VPOPCNTDQ, a vector path chosen by
/// the caller (`vector` nonzero); both give identical results.
///
/// Rows of `words` 64-bit words come in two layouts. Row-major: row i is words i*words ..< (i+1)*words.
/// Interleaved ("lanes"): slots go in groups of eight, and word w of slot s sits at
/// ((s / 8) * words + w) * 8 + s % 8, so one vector holds word w of eight slots and a row against eight
/// slots needs no sum across lanes. An interleaved buffer holds whole groups (`cbk_lanes_capacity`).

/// 0 when the environment sets CUCKOOML_NO_AVX512 (to anything but "" or "0"), else 1. Every AVX-512
/// availability check of the kernels asks it, so a machine with AVX-512 can run the paths of one without
/// (the AVX2 and portable kernels): scripts/test does, since CI machines differ in this.
int cbk_avx512_allowed(void);

/// 1 when this CPU can run the vector paths (AVX-512F, VL, DQ with VPOPCNTDQ), else 0.
int cbk_vector_available(void);

/// 1 when this CPU has the popcnt instruction (x86-64), else 0. Every kernel uses it where it is, chosen at
/// run time, so the package needs no CPU flags of its own.
int cbk_popcnt_available(void);

/// The number of bits by which the row-major rows x and y of `words` words differ (one pair: the bit
/// engine's double distances for jaccard and cosine, and queries).
int32_t cbk_rows_differing(const uint64_t *x, const uint64_t *y, int64_t words);

/// cbk_rows_differing from x to many rows in one call, so the popcnt choice and the call are paid once per
/// batch instead of once per pair (RowGroups' scans): out[i] counts the bits by which x differs from the
/// row at rows + which[i] * words, or from row i (rows + i * words) when `which` is NULL.
void cbk_rows_differing_many(const uint64_t *x, const uint64_t *rows, int64_t words, const int32_t *which,
                             int64_t count, int32_t *out);

/// The group-weighted Jaccard distance of two rows (GroupJaccardKernel's layout: group g is words
/// word_start[g] ..< word_start[g + 1], ones_* hold the per-group counts), with GroupJaccard.distance's
/// floating-point operations in its order, so the result is the same double.
double cbk_group_jaccard(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                         const long *word_start, int64_t groups);

/// cbk_group_jaccard, or INFINITY (no distance) once the distance is sure to exceed `limit`: pass a limit
/// with a margin for the rounding of that test.
double cbk_group_jaccard_below(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                               const long *word_start, int64_t groups, double limit);

/// cbk_group_jaccard from x to each of `count` rows, row r at y + r * words with its counts at
/// ones_y + r * groups, into out[r]: the same doubles, several rows at a time.
void cbk_group_jaccard_many(const uint64_t *x, const int32_t *ones_x, const uint64_t *y, const int32_t *ones_y,
                            int64_t words, const long *word_start, int64_t groups, int64_t count, double *out);

/// The words an interleaved buffer of `count` slots holds (whole groups of eight).
int64_t cbk_lanes_capacity(int64_t count, int64_t words);

/// Writes `count` row-major rows interleaved into `lanes` (`cbk_lanes_capacity` words; padding zero).
void cbk_interleave(const uint64_t *rows, int64_t words, int64_t count, uint64_t *lanes);

/// The number of bits by which each of the interleaved slots 0..<count differs from the row `x`.
void cbk_differing(const uint64_t *x, const uint64_t *lanes, int64_t words, int64_t count, int32_t *out, int vector);

/// One step of Prim's scan on 32-bit ranks (see BitPrim.swift) over the interleaved slots lo..<hi.
///
/// For each slot j: mr = max(rank[differing(x, slot j)], core[j], core_cur) (rank NULL: the count itself);
/// when mr < the rank in the upper half of keys[j], that rank becomes mr and source[j] = cur_index.
/// Returns the smallest key after the updates and writes its slot to `min_slot` (-1 when the range is
/// empty). Keys must be unique.
uint64_t cbk_prim_scan(const uint64_t *x, int32_t core_cur, int32_t cur_index, const uint64_t *lanes,
                       int64_t words, uint64_t *keys, const int32_t *core, int32_t *source, const int32_t *rank,
                       int64_t lo, int64_t hi, int64_t *min_slot, int vector);

/// The k-NN sweep over a pair of tiles: every pair (a, b) with a in a_lo..<a_hi, b in b_lo..<b_hi (and
/// b > a when `same`). The pair's count of differing bits d enters a's sorted list of its k smallest
/// when d < limits[a], and b's likewise. `rows` and `lanes` hold the same rows in both layouts; `lists`
/// holds k values per row (ascending) and `limits[i]` is always `lists[i * k + k - 1]`.
void cbk_knn_tiles(const uint64_t *rows, const uint64_t *lanes, int64_t words, int64_t a_lo, int64_t a_hi,
                   int64_t b_lo, int64_t b_hi, int same, int32_t *lists, int32_t *limits, int64_t k, int vector);

/// Applies pending tree points to the row-major rows of slots lo..<hi (BitBlockPrim's catch-up).
///
/// For each slot s: the lexicographic minimum of (best, none) and, for each pending point i,
/// (mr, position[i]) with mr = max(rank[differing(pending row i, row s)], core[s], pending_core[i])
/// (rank NULL: the count itself), where best is the rank in the upper half of keys[s] and none comes
/// before every position. Writes that minimum's rank to best_out[s - lo] and its position to
/// position_out[s - lo] (-1 for none). Positions must be at least 0 and below 2^31 - 1.
void cbk_apply_pending(const uint64_t *rows, int64_t words, int64_t lo, int64_t hi, const int32_t *core,
                       const uint64_t *keys, const uint64_t *pending_rows, const int32_t *pending_core,
                       const int32_t *pending_position, int64_t pending, const int32_t *rank, int32_t *best_out,
                       int32_t *position_out, int vector);

#endif
