#ifndef CINTBITBYTEKERNELS_H
#define CINTBITBYTEKERNELS_H

#include <stdint.h>

/// Squared euclidean distances between rows of small integers on AVX2, for rows whose binary columns
/// (every value 0 or 1) are kept as bits and whose other columns are bytes of at most 127: the filtered
/// 2016 `full` features are three quarters binary, so a row takes about a third of the bytes of
/// `CIntDotKernels.h`'s byte rows, and Prim's scan, which reads every remaining row at each step, moves
/// a third of the memory. The distance is the same integer as every other kernel's: a binary column
/// adds (x xor y) = (x - y)^2, counted by `vpshufb` popcounts of the xor; the byte columns add
/// |x|^2 + |y|^2 - 2 x.y through `vpmaddubsw` over the slots' y - 128 (`cid_tile`'s identity, with
/// `cid_row_term` and `cid_slot_term` over the byte part). A 16-bit sum of two products is at most
/// 2 * 127 * 128 in size, so none saturates.
///
/// Layout ("bit-byte rows"): `bit_words` 32-bit words holding the binary columns (column 32w + b in
/// bit b of word w, missing ones 0), then `quads` words of four byte columns (the lowest byte first).
/// Lanes interleave them 16 slots to a group: word (group * (bit_words + quads) + w) * 16 + slot % 16
/// holds word w of that slot, its quads stored as y - 128 (y ^ 0x80). A buffer holds whole groups
/// (`cib_lanes_capacity`; unused slots are ignored).

/// 1 when this CPU runs `cib_tile` (AVX2), else 0.
int cib_available(void);

/// The 32-bit words a lanes buffer of `count` slots of `words` (= bit_words + quads) words holds.
int64_t cib_lanes_capacity(int64_t count, int64_t words);

/// Writes the bit-byte row `row` (`bit_words + quads` words) into slot `slot` of the lanes.
void cib_set_slot(uint32_t *lanes, int64_t bit_words, int64_t quads, int64_t slot, const uint32_t *row);

/// For each of the `xcount` rows `xs` (each `bit_words + quads` words, with the row terms `xterms` of
/// their byte parts, `cid_row_term`) and each slot of the groups group_lo..<group_hi (slot terms
/// `sterms` of the byte parts, `cid_slot_term`, indexed by slot, whole groups):
/// out[r * out_stride + (slot - 16 * group_lo)] = |x - y|^2. Every row value must be at most 127.
/// Needs `cib_available()`.
void cib_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
              const int32_t *sterms, int64_t bit_words, int64_t quads, int64_t group_lo, int64_t group_hi,
              int32_t *out, int64_t out_stride);

#endif
