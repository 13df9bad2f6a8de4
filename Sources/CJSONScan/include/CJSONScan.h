#ifndef CJSONSCAN_H
#define CJSONSCAN_H

// Byte-run scans for the JSON scanner (Sources/CuckooML/Reports/JSONScanner.swift).
//
// They are `static inline` so that Swift inlines them into the scanner's loops: the runs they skip are
// mostly short (indentation, keys, small strings), where a call per run would cost more than the scan.
// Each exists twice, a vector form (SSE2, part of baseline x86-64) and a scalar form with the same
// result; `cjs_*` picks the vector form where there is one. Both are exported so tests can compare
// them and the scanner can be run on either path.
//
// Contract: the buffer must be followed by at least 16 zero bytes. A zero byte ends every run (it is
// neither whitespace nor a plain string byte), and a scan reads at most 15 bytes past the byte that
// ends it, so it never reads beyond the padding.

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#define CJS_HAS_VECTOR 1
#else
#define CJS_HAS_VECTOR 0
#endif

/// Whether `cjs_*` use a vector form on this build (false: the scalar form serves both names).
static inline int cjs_has_vector(void) { return CJS_HAS_VECTOR; }

// MARK: Scalar forms (8 bytes at a time, "has zero byte" word tricks)

/// Eight bytes at `p` (any alignment), the byte at `p` in the lowest bits.
static inline uint64_t cjs_load64(const uint8_t *_Nonnull p) {
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

#define CJS_ONES 0x0101010101010101ull
#define CJS_HIGHS 0x8080808080808080ull

/// High bit set in each byte of `x` that is zero (exact for the lowest such byte, which is all the
/// scans use).
static inline uint64_t cjs_zero_bytes(uint64_t x) { return (x - CJS_ONES) & ~x & CJS_HIGHS; }

/// Index of the lowest byte of `mask` that is not zero.
static inline unsigned cjs_first_flagged(uint64_t mask) { return (unsigned)__builtin_ctzll(mask) >> 3; }

/// First byte at or after `p` that is not JSON whitespace (space, tab, line feed, carriage return).
static inline const uint8_t *_Nonnull cjs_skip_whitespace_scalar(const uint8_t *_Nonnull p) {
    for (;;) {
        uint8_t c = *p;
        if (c == 0x20) {
            uint64_t x = cjs_load64(p) ^ (CJS_ONES * 0x20);
            if (x == 0) { p += 8; continue; }
            p += cjs_first_flagged(x);   // the first byte that is not a space
            continue;
        }
        if (c == 0x0A || c == 0x0D || c == 0x09) { p++; continue; }
        return p;
    }
}

/// First byte at or after `p` that ends a plain run of string text: `"`, `\` or a control byte
/// (< 0x20). When no such byte comes before `limit` it may stop early, at some `p + 16k >= limit`
/// (a 16-byte step past `limit` at most), so that very long strings still reach the scanner's
/// checkpoints.
static inline const uint8_t *_Nonnull cjs_string_stop_scalar(const uint8_t *_Nonnull p, const uint8_t *_Nonnull limit) {
    for (;;) {
        for (int half = 0; half < 2; half++) {
            uint64_t w = cjs_load64(p);
            uint64_t mask = cjs_zero_bytes(w ^ (CJS_ONES * 0x22)) | cjs_zero_bytes(w ^ (CJS_ONES * 0x5C))
                | ((w - CJS_ONES * 0x20) & ~w & CJS_HIGHS);
            if (mask) return p + cjs_first_flagged(mask);
            p += 8;
        }
        if (p >= limit) return p;
    }
}

// MARK: Vector forms

#if CJS_HAS_VECTOR
static inline const uint8_t *_Nonnull cjs_skip_whitespace_vector(const uint8_t *_Nonnull p) {
    const __m128i space = _mm_set1_epi8(0x20), lf = _mm_set1_epi8(0x0A);
    const __m128i cr = _mm_set1_epi8(0x0D), tab = _mm_set1_epi8(0x09);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, lf)),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, tab)));
        unsigned other = (unsigned)_mm_movemask_epi8(ws) ^ 0xFFFFu;
        if (other) return p + __builtin_ctz(other);
        p += 16;
    }
}

static inline const uint8_t *_Nonnull cjs_string_stop_vector(const uint8_t *_Nonnull p, const uint8_t *_Nonnull limit) {
    const __m128i quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C);
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        // Unsigned v <= 0x1F exactly when max(v, 0x1F) == 0x1F.
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax);
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
        if (p >= limit) return p;
    }
}
#else
static inline const uint8_t *_Nonnull cjs_skip_whitespace_vector(const uint8_t *_Nonnull p) { return cjs_skip_whitespace_scalar(p); }
static inline const uint8_t *_Nonnull cjs_string_stop_vector(const uint8_t *_Nonnull p, const uint8_t *_Nonnull limit) {
    return cjs_string_stop_scalar(p, limit);
}
#endif

// MARK: Whole strings (escapes validated)

/// Whether `c` is a hexadecimal digit.
static inline int cjs_is_hex(uint8_t c) { return (uint8_t)(c - 0x30) < 10 || (uint8_t)((c | 0x20) - 0x61) < 6; }

/// The byte after the escape sequence at `s` (a backslash), or null when the escape is invalid
/// (the Swift scanner reports it).
static inline const uint8_t *_Nullable cjs_escape_end(const uint8_t *_Nonnull s) {
    switch (s[1]) {
    case 0x22: case 0x5C: case 0x2F: case 0x62: case 0x66: case 0x6E: case 0x72: case 0x74: return s + 2;
    case 0x75: return cjs_is_hex(s[2]) && cjs_is_hex(s[3]) && cjs_is_hex(s[4]) && cjs_is_hex(s[5]) ? s + 6 : 0;
    default: return 0;
    }
}

/// The byte after the closing quote of the string whose body starts at `q` (after the opening
/// quote), or null when the body has an invalid escape or a control byte, or has not ended by the
/// time the scan passes `limit`: the Swift scanner then scans it again, with its errors and
/// checkpoints.
static inline const uint8_t *_Nullable cjs_skip_string_scalar(const uint8_t *_Nonnull q, const uint8_t *_Nonnull limit) {
    for (;;) {
        q = cjs_string_stop_scalar(q, limit);
        if (*q == 0x22) return q + 1;
        if (*q != 0x5C) return 0;
        const uint8_t *next = cjs_escape_end(q);
        if (!next) return 0;
        q = next;
    }
}

#if CJS_HAS_VECTOR
/// `cjs_skip_string_scalar` 16 bytes at a time. Every stop byte of a block comes from one mask, so
/// a run of escapes (`C:\\Users\\...`) costs no reload per backslash; bits inside an escape just
/// handled (the second byte of `\\` or `\"`) are passed over.
static inline const uint8_t *_Nullable cjs_skip_string_vector(const uint8_t *_Nonnull q, const uint8_t *_Nonnull limit) {
    const __m128i quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C);
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    const uint8_t *next = q;   // first byte not consumed by an escape
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax);
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        while (mask) {
            const uint8_t *s = q + __builtin_ctz(mask);
            mask &= mask - 1;
            if (s < next) continue;
            if (*s == 0x22) return s + 1;
            if (*s != 0x5C) return 0;
            next = cjs_escape_end(s);
            if (!next) return 0;
        }
        q += 16;
        if (next > q) q = next;
        if (q >= limit) return 0;
    }
}
#else
static inline const uint8_t *_Nullable cjs_skip_string_vector(const uint8_t *_Nonnull q, const uint8_t *_Nonnull limit) {
    return cjs_skip_string_scalar(q, limit);
}
#endif

// The value skippers and the string decoder are declared beside this header; this one is the
// module's umbrella.
#include "CJSONSkip.h"
#include "CJSONAnnotate.h"
#include "CJSONString.h"

#endif
