#ifndef CINTDOTKERNELS_H
#define CINTDOTKERNELS_H

#include <stdint.h>

/// Squared euclidean distances between rows of small integers (0...255) through integer dot products:
/// |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, every term an exact 32-bit integer (at most 4 096 columns), so
/// the result is the very integer `cik_tile` computes (and scikit-learn's double sum). The dot products
/// run on AVX-512 VNNI (`vpdpbusd`: 64 byte products per instruction, against 32 per 3 instructions
/// for `cik_tile`'s differences), which multiplies unsigned by signed bytes: the slots are stored as
/// y - 128, and x.y = x.(y - 128) + 128 * sum(x) puts the difference back.
///
/// Layout ("byte lanes"): columns in fours, one 32-bit word per (row, quad) holding column 4q in its
/// lowest byte (missing last columns are 0). Rows ("byte rows") are `quads` words each. Slots go in
/// groups of 16: word (group * quads + q) * 16 + slot % 16 holds quad q of that slot, each byte
/// y - 128 (y ^ 0x80). A buffer holds whole groups (`cid_lanes_capacity`; unused slots are ignored).

/// 1 when this CPU runs `cid_tile` (AVX-512F, BW and VNNI), else 0.
int cid_available(void);

/// The 32-bit words a byte-lanes buffer of `count` slots holds.
int64_t cid_lanes_capacity(int64_t count, int64_t quads);

/// Writes the byte row `row` (`quads` words) into slot `slot` of the lanes.
void cid_set_slot(uint32_t *lanes, int64_t quads, int64_t slot, const uint32_t *row);

/// The row term of the identity for the byte row `row`: |x|^2 - 256 * sum(x).
int32_t cid_row_term(const uint32_t *row, int64_t quads);

/// The slot term: |y|^2.
int32_t cid_slot_term(const uint32_t *row, int64_t quads);

/// As `cik_tile` for the squared euclidean distance: for each of the `xcount` byte rows `xs` (with
/// their row terms `xterms`) and each slot of the groups group_lo..<group_hi (slot terms `sterms`,
/// indexed by slot, whole groups), out[r * out_stride + (slot - 16 * group_lo)] = |x - y|^2.
/// Needs `cid_available()`.
void cid_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
              const int32_t *sterms, int64_t quads, int64_t group_lo, int64_t group_hi, int32_t *out,
              int64_t out_stride);

/// 1 when this CPU runs `cid_word_tile` (AVX2), else 0.
int cid_word_available(void);

/// The same distances on AVX2 (`vpmaddwd`: 16 products of 16-bit values per instruction, none near
/// overflow since 255 * 255 < 2^16), over the 16-bit pair layout of `CIntKernels.h` (int lanes): row
/// terms |x|^2, slot terms |y|^2 (`cid_word_term`, whole groups). Needs `cid_word_available()`.
void cid_word_tile(const uint32_t *xs, const int32_t *xterms, int64_t xcount, const uint32_t *lanes,
                   const int32_t *sterms, int64_t pairs, int64_t group_lo, int64_t group_hi, int32_t *out,
                   int64_t out_stride);

/// |x|^2 of a row of 16-bit pairs (`pairs` words).
int32_t cid_word_term(const uint32_t *row, int64_t pairs);

#endif
