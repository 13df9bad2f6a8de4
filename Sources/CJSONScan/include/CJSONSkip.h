#ifndef CJSONSKIP_H
#define CJSONSKIP_H

// Skipping whole JSON values in C (used by `JSONScanner.skipValue`).
//
// Most of a report's bytes are in values the reader skips (behaviour calls, signature marks,
// strings...). Skipped token by token in Swift, they cost a call, bounds bookkeeping and state
// writes per token (strings average ~12 bytes); this loop keeps cursor, depth and state in registers.
//
// It never reports an error itself. It shares the scanner's state (cursor, depth, the container kind
// per depth) and stops at the boundary before any token it does not accept, handing that token to
// the Swift steps of `skipValue`, which either throw their usual error there (same message, same
// offset) or accept it and hand back. So it must never accept what the Swift steps reject; where it
// is stricter (e.g. a string that crosses the next checkpoint), the only cost is speed.
//
// Contract: the buffer is followed by at least 16 zero bytes (as for CJSONScan.h), 64 for
// `cjs_skip_container`.

#include <stdint.h>

/// Where a skip stands between tokens; the C loop and the Swift steps resume each other there.
typedef enum {
    /// The value is complete: the depth is back at the floor.
    CJS_SKIP_DONE = 0,
    /// A value starts at the cursor (after optional whitespace).
    CJS_SKIP_AT_VALUE = 1,
    /// An object key, then its colon, starts at the cursor (after optional whitespace).
    CJS_SKIP_AT_KEY = 2,
    /// A value just ended inside a container: a comma or the closing bracket follows.
    CJS_SKIP_AFTER_VALUE = 3,
    /// A value starts at the cursor and the cursor has passed the checkpoint limit.
    CJS_SKIP_CHECKPOINT = 4,
} cjs_skip_state;

/// Container kinds stored per depth (the same numbers as the Swift scanner's).
enum { CJS_KIND_OBJECT = 1, CJS_KIND_ARRAY = 2 };

/// Skips from state `at` until the value that began at depth `floor` is complete or a token must go
/// to the Swift steps. `*cursor` and `*depth` are read and written back; `kinds[d]` holds the
/// container kind at depth `d` (capacity `max_depth + 1`); containers deeper than `max_depth` are
/// left to Swift (which reports them). Past `limit` it stops at the next value boundary
/// (`CJS_SKIP_CHECKPOINT`) or before a string that crosses it. Returns the state it stopped in.
/// The vector form uses SSE2 on x86-64; the scalar form must give the same result.
cjs_skip_state cjs_skip_value_vector(const uint8_t *_Nonnull *_Nonnull cursor, const uint8_t *_Nonnull limit,
                          uint8_t *_Nonnull kinds, long *_Nonnull depth, long floor, long max_depth, cjs_skip_state at);
cjs_skip_state cjs_skip_value_scalar(const uint8_t *_Nonnull *_Nonnull cursor, const uint8_t *_Nonnull limit,
                          uint8_t *_Nonnull kinds, long *_Nonnull depth, long floor, long max_depth, cjs_skip_state at);

/// Where the token loop takes over when the block skipper declines.
typedef struct {
    const uint8_t *_Nonnull cursor;
    long depth;
    cjs_skip_state state;
} cjs_skip_resume;

/// Skips 64 bytes at a time (CJSONBlockSkip.c), from state `at` at `p` (depth `depth`, kinds as for
/// `cjs_skip_value_*`), until the container that began at depth `floor` closes; returns the byte
/// after its closing bracket. At depth `floor` it must start at an object or array. When it is not
/// sure (an error ahead, nesting past `max_depth`, the next block starting at or after `limit`) it
/// returns null and sets `*resume` to the last token boundary it passed, from which the token loop
/// goes on (and finds the error, or reaches the checkpoint). Needs 64 zero bytes after the buffer.
/// Where there is no vector form it always declines at `p`.
const uint8_t *_Nullable cjs_skip_container(const uint8_t *_Nonnull p, const uint8_t *_Nonnull limit,
                                            uint8_t *_Nonnull kinds, long depth, long floor, long max_depth,
                                            cjs_skip_state at, cjs_skip_resume *_Nonnull resume);

/// The vector variants of the block skipper and the string decoder, narrowest first.
typedef enum {
    /// No vector code (not x86-64): the block skipper always declines.
    CJS_PATH_PORTABLE = 0,
    /// SSE2, baseline x86-64.
    CJS_PATH_SSE2 = 1,
    /// AVX2 with BMI1/2 and popcnt (x86-64-v3, most laptops and CI machines).
    CJS_PATH_AVX2 = 2,
    /// AVX-512BW (the string decoder also needs VBMI2, else it uses its AVX2 variant).
    CJS_PATH_AVX512 = 3,
} cjs_path;

/// The widest variant this CPU runs (`cjs_path`); AVX-512 counts only when `cjs_avx512_allowed`.
int cjs_widest_path(void);

/// Makes `cjs_skip_container` use the widest variant up to `widest` the CPU has (by default the
/// widest of all). Tests run each in turn: every variant gives the same result, so switching while
/// other threads skip is safe.
void cjs_skip_use_path(int widest);

/// The byte classes the block skipper sees in the 64 bytes at `b` with variant `path` (or the widest
/// the CPU has below it), one bit per byte: quotes, backslashes, whitespace, structural bytes
/// (`{}[]:,`), control bytes (< 0x20), and with AVX2 only (else zero) the escape letters `"/bfnrt`
/// and the `u`s. For tests, which compare the variants; zeros without vectors.
void cjs_classify_block(int path, const uint8_t *_Nonnull b, uint64_t *_Nonnull masks);

/// 0 when the environment sets CUCKOOML_NO_AVX512 (to anything but "" or "0"), else 1: the AVX-512 forms
/// of the skip and the string decoder then never run, as on a CPU without AVX-512 (scripts/test).
int cjs_avx512_allowed(void);

#endif
