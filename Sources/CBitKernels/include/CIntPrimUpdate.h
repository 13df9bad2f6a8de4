#ifndef CINTPRIMUPDATE_H
#define CINTPRIMUPDATE_H

#include <stdint.h>

/// The update half of a step of Prim's scan over integer distances (`IntPrim`), after a tile has given
/// the distances from the point being added: for each slot s in lo..<hi, with d[s - first] its distance
/// (a non-negative squared euclidean or manhattan integer), the mutual reachability
/// mr = max(d, core[s], core_cur) replaces best[s] when strictly smaller, and then source[s] = cur_index.
/// Then the least key (best[s] << 32 | index[s]) of the range, if less than *min_key, is written to
/// *min_key and its slot to *min_slot (start with UINT64_MAX and -1). Keys are distinct (each slot has its
/// own original index), so the least is the same whatever order the slots are visited in.
///
/// An AVX2 path (eight slots a step) and a portable one, chosen at run time; both give the same result.
/// Writes only the slots lo..<hi, so two threads may update neighbouring ranges.
void cip_update(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best, const uint32_t *index,
                const uint32_t *core, int32_t *source, uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                int64_t *min_slot);

/// `cip_update` forced to the portable path (`vector` 0) or the AVX2 one where the CPU has it (tests).
void cip_update_path(const int32_t *d, int64_t first, int64_t lo, int64_t hi, uint32_t *best, const uint32_t *index,
                     const uint32_t *core, int32_t *source, uint32_t core_cur, int32_t cur_index, uint64_t *min_key,
                     int64_t *min_slot, int vector);

/// 1 when `cip_update` and `cip_offer_tile` run their AVX2 paths here, else 0.
int cip_vector_available(void);

/// The k-NN lists' half of a tile of the exact k-NN (`IntNearest`): for rows a in a0..<a1 and slots b in
/// b0..<b1 (only b > a when `same`, the tile on the diagonal), the value v = out[(a - a0) * out_stride +
/// (b - b0)] is offered to both points' lists: lists + a * k and lists + b * k, each its k smallest values
/// so far, ascending, INT32_MAX for none. A list takes v when below its last value, inserted after equal
/// values. The lists are multisets of values, so the order the offers come in does not change them.
/// AVX2 (eight offers a step, skipped when neither list takes any) or portable (`vector` 0).
void cip_offer_tile(const int32_t *out, int64_t out_stride, int64_t a0, int64_t a1, int64_t b0, int64_t b1, int same,
                    int32_t *lists, int64_t k, int vector);

#endif
