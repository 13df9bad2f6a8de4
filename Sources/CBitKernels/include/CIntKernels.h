#ifndef CINTKERNELS_H
#define CINTKERNELS_H

#include <stdint.h>

/// Distance kernels over rows of small non-negative integers (0...255), for the exact silhouette of
/// count features: squared euclidean and manhattan distances are integer sums there, equal to the
/// double sums of scikit-learn and `Distances` (every partial sum is an integer below 2^53).
///
/// Layout ("int lanes"): columns are taken in pairs, one 32-bit word per (row, pair) holding column 2p
/// in its low and 2p + 1 in its high 16 bits (a missing last column is 0). Slots go in groups of 16:
/// word (group * pairs + p) * 16 + slot % 16 holds pair p of slot group * 16 + slot % 16, so one
/// 512-bit vector holds one pair of 16 slots. A buffer holds whole groups (`cik_lanes_capacity`).
/// Every kernel has a portable path and an AVX-512BW path (`vector` nonzero), with identical results.

/// 1 when this CPU can run the vector paths (AVX-512F and BW), else 0.
int cik_vector_available(void);

/// 1 when `cik_tile`'s vector path runs vectors on this CPU: AVX-512BW, else AVX2 (8 slots per
/// instruction); else 0.
int cik_tile_vector_available(void);

/// The 32-bit words an int-lanes buffer of `count` slots holds.
int64_t cik_lanes_capacity(int64_t count, int64_t pairs);

/// Writes row `slot` (`pairs` words, the layout above) into the lanes.
void cik_set_slot(uint32_t *lanes, int64_t pairs, int64_t slot, const uint32_t *row);

/// For each of the `xcount` rows `xs` (`pairs` words each) and each slot of the groups
/// group_lo..<group_hi: the squared euclidean distance (manhattan: the sum of absolute differences),
/// written to out[r * out_stride + (slot - 16 * group_lo)]. With `vector` nonzero: AVX-512BW where the
/// CPU has it, else AVX2, else portable.
void cik_tile(const uint32_t *xs, int64_t xcount, const uint32_t *lanes, int64_t pairs, int64_t group_lo,
              int64_t group_hi, int manhattan, int32_t *out, int64_t out_stride, int vector);

/// Σ sqrt(values[i]) (root nonzero) or Σ values[i] over i < count, in a fixed order for a given path.
double cik_sum(const int32_t *values, int64_t count, int root, int vector);

/// The per-run sums of one tile of distances for the symmetric silhouette (`IntSilhouette`): the tile
/// holds `rows` x `cols` squared euclidean (root nonzero: each is square-rooted first) or manhattan
/// distances, out[r * out_stride + c]. Its rows are cut into runs at row_runs[0] = 0 < ... <
/// row_runs[row_run_count] = rows and its columns at col_runs likewise (the clusters, points being
/// ordered by cluster).
/// - row_sums[r * col_run_count + u]: row r's sum over column run u, in `cik_sum`'s fixed order;
/// - col_sums[v * cols + c] (when col_sums is not NULL): column c's sum over row run v, added in
///   ascending row order.
/// `scratch` holds `cols` doubles. The portable and vector paths (`vector` nonzero, AVX-512F) give the
/// same bits: each sum is made in the same explicit order and the square root is correctly rounded.
void cik_tile_sums(const int32_t *out, int64_t out_stride, int64_t rows, int64_t cols, int root,
                   const int64_t *row_runs, int64_t row_run_count, const int64_t *col_runs, int64_t col_run_count,
                   double *row_sums, double *col_sums, double *scratch, int vector);

#endif
