// The planner of CJSONAnnotate.h: one pass over a report in memory, checking the grammar the Swift
// copier checks (RFC 8259, UTF-8 in strings, its literal and nesting rules) and noting where the
// annotated copy differs from the input. Cursor, depth and flags stay in registers; string bodies
// are skipped 16 bytes at a time up to the next quote, backslash, control or non-ASCII byte.
//
// Rules mirrored from JSONAnnotatingCopier.Scanner (keep them in step):
//   - the document is one object, with only JSON whitespace around it;
//   - a top-level member named `info` must hold an object (else the copier fails: decline here);
//     every such object gets `member` (an existing one has its value replaced, each time it occurs);
//     without any, `"info":{...}` is inserted before the top-level `}`;
//   - tokens are maximal runs of [0-9A-Za-z+.-]: true, false, null, an RFC 8259 number, or NaN,
//     Infinity, -Infinity (replaced by null, except inside a replaced value); at most 4096 bytes;
//   - strings: no control bytes, escapes \" \\ \/ \b \f \n \r \t \uXXXX, strict UTF-8 (no overlong
//     forms, no surrogates, nothing past U+10FFFF).
#include "CJSONAnnotate.h"
#include "CJSONScan.h"
#include <string.h>

enum { KIND_OBJECT = 1, KIND_ARRAY = 2, KIND_INFO = 3 };

/// Deeper documents are left to the Swift copier (it allows 100 000 levels with a heap stack).
#define CJA_MAX_DEPTH 1024
/// The Swift copier refuses longer numbers and literals.
#define CJA_MAX_TOKEN 4096

/// The byte after the UTF-8 sequence that starts at `q` (a byte >= 0x80), or null when it is not
/// a well-formed sequence (the table of Unicode 15, section 3.9, as the Swift copier checks it).
static inline const uint8_t *utf8_sequence_end(const uint8_t *q) {
    uint8_t c = q[0], low = 0x80, high = 0xBF;
    int need;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) { need = 2; low = 0xA0; }
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
    else if (c == 0xED) { need = 2; high = 0x9F; }
    else if (c == 0xF0) { need = 3; low = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) { need = 3; high = 0x8F; }
    else return 0;
    if (q[1] < low || q[1] > high) return 0;
    for (int k = 2; k <= need; k++) {
        if (q[k] < 0x80 || q[k] > 0xBF) return 0;
    }
    return q + need + 1;
}

/// The first byte at or after `q` that is a quote, a backslash, a control byte or not ASCII.
static inline const uint8_t *string_stop(const uint8_t *q) {
#if CJS_HAS_VECTOR
    const __m128i quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C);
    const __m128i controlMax = _mm_set1_epi8(0x1F);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax);
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), control);
        // The sign bit of each byte is set exactly for bytes >= 0x80.
        unsigned mask = (unsigned)_mm_movemask_epi8(stop) | (unsigned)_mm_movemask_epi8(v);
        if (mask) return q + __builtin_ctz(mask);
        q += 16;
    }
#else
    while (*q >= 0x20 && *q < 0x80 && *q != 0x22 && *q != 0x5C) q++;
    return q;
#endif
}

/// The byte after the closing quote of the string whose body starts at `q`, or null when the body is
/// not valid (or the buffer ends first: the zero padding is a control byte).
static inline const uint8_t *skip_string(const uint8_t *q) {
    for (;;) {
        q = string_stop(q);
        uint8_t c = *q;
        if (c == 0x22) return q + 1;
        if (c == 0x5C) {
            q = cjs_escape_end(q);
        } else if (c < 0x20) {
            return 0;
        } else {
            q = utf8_sequence_end(q);
        }
        if (!q) return 0;
    }
}

/// The first byte at or after `p` that is not whitespace. A pretty-printed report's whitespace is
/// mostly none, one space (after a colon) or a line feed and an indent of spaces: those are taken
/// here without the vector loop, whose setup costs more than such short runs.
static inline const uint8_t *skip_ws(const uint8_t *p) {
    if (*p > 0x20) return p;
    if (*p == 0x20 && p[1] > 0x20) return p + 1;
    if (*p == 0x0A) {
        p++;
        uint64_t x;
        while ((x = cjs_load64(p) ^ (CJS_ONES * 0x20)) == 0) p += 8;
        p += cjs_first_flagged(x);
        if (*p > 0x20) return p;
    }
    return cjs_skip_whitespace_vector(p);
}

static inline int is_token_byte(uint8_t c) {
    return (uint8_t)(c - 0x30) < 10 || (uint8_t)((c | 0x20) - 0x61) < 26 || c == 0x2D || c == 0x2B || c == 0x2E;
}

static inline long digits(const uint8_t *t, long i, long n) {
    long start = i;
    while (i < n && (uint8_t)(t[i] - 0x30) < 10) i++;
    return i - start;
}

/// RFC 8259 number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` (as `isNumber` in Swift).
static int is_number(const uint8_t *t, long n) {
    long i = 0, d;
    if (i < n && t[i] == 0x2D) i++;
    if (i >= n) return 0;
    if (t[i] == 0x30) i++;
    else if ((d = digits(t, i, n)) == 0) return 0;
    else i += d;
    if (i < n && t[i] == 0x2E) {
        i++;
        if ((d = digits(t, i, n)) == 0) return 0;
        i += d;
    }
    if (i < n && (t[i] == 0x65 || t[i] == 0x45)) {
        i++;
        if (i < n && (t[i] == 0x2B || t[i] == 0x2D)) i++;
        if ((d = digits(t, i, n)) == 0) return 0;
        i += d;
    }
    return i == n;
}

static inline int token_is(const uint8_t *t, long n, const char *word) {
    return (long)strlen(word) == n && memcmp(t, word, (size_t)n) == 0;
}

long cja_plan(const uint8_t *bytes, long count, const uint8_t *member, long member_count,
              cja_edit *edits, long capacity) {
    const uint8_t *p = bytes, *const end = bytes + count;
    uint8_t kinds[CJA_MAX_DEPTH + 1];
    long depth = 0, edit_count = 0;
    int saw_info = 0, info_has_member = 0, pending_info = 0, pending_replace = 0, empty = 0;
    // The depth at which a replaced value started (-1: none), and where it started.
    long suppress_depth = -1, replace_start = 0;

#define EDIT(s, e, k, em) do { \
        if (edit_count == capacity) return -1; \
        edits[edit_count].start = (s); edits[edit_count].end = (e); \
        edits[edit_count].kind = (k); edits[edit_count].empty = (em); edit_count++; \
    } while (0)

    p = skip_ws(p);
    if (*p != 0x7B) return -1;

value: {
    p = skip_ws(p);
    uint8_t c = *p;
    if (pending_replace) {
        pending_replace = 0;
        replace_start = p - bytes;
        suppress_depth = depth;
    }
    if (c == 0x7B) {
        if (depth == CJA_MAX_DEPTH) return -1;
        kinds[++depth] = pending_info ? KIND_INFO : KIND_OBJECT;
        if (pending_info) { saw_info = 1; info_has_member = 0; pending_info = 0; }
        p = skip_ws(p + 1);
        if (*p == 0x7D) { empty = 1; goto close; }
        goto key;
    }
    if (pending_info) return -1;   // `info` is not an object
    if (c == 0x5B) {
        if (depth == CJA_MAX_DEPTH) return -1;
        kinds[++depth] = KIND_ARRAY;
        p = skip_ws(p + 1);
        if (*p == 0x5D) { empty = 1; goto close; }
        goto value;
    }
    if (c == 0x22) {
        p = skip_string(p + 1);
        if (!p) return -1;
        goto after_value;
    }
    const uint8_t *t = p;
    while (is_token_byte(*p)) p++;
    long n = p - t;
    if (n == 0 || n > CJA_MAX_TOKEN) return -1;
    if (token_is(t, n, "true") || token_is(t, n, "false") || token_is(t, n, "null")) goto after_value;
    if (token_is(t, n, "NaN") || token_is(t, n, "Infinity") || token_is(t, n, "-Infinity")) {
        if (suppress_depth < 0) EDIT(t - bytes, p - bytes, CJA_NULL, 0);
        goto after_value;
    }
    if (!is_number(t, n)) return -1;
    goto after_value;
}

key: {
    // `p` is at the opening quote of a member name (whitespace already skipped) or not valid.
    if (*p != 0x22) return -1;
    const uint8_t *k = p + 1;
    p = skip_string(k);
    if (!p) return -1;
    long n = p - 1 - k;
    if (suppress_depth < 0 && (depth == 1 || kinds[depth] == KIND_INFO)) {
        // The copier decodes escapes in names (`"\u0069nfo"` is `info`); those few are left to it.
        if (memchr(k, 0x5C, (size_t)n)) return -1;
        if (depth == 1 && n == 4 && memcmp(k, "info", 4) == 0) pending_info = 1;
        if (kinds[depth] == KIND_INFO && n == member_count && memcmp(k, member, (size_t)n) == 0) {
            pending_replace = 1;
            info_has_member = 1;
        }
    }
    p = skip_ws(p);
    if (*p != 0x3A) return -1;
    p++;
    goto value;
}

after_value: {
    if (suppress_depth == depth) {
        EDIT(replace_start, p - bytes, CJA_REPLACE_VALUE, 0);
        suppress_depth = -1;
    }
    if (depth == 0) {
        p = skip_ws(p);
        return p == end ? edit_count : -1;
    }
    p = skip_ws(p);
    uint8_t c = *p;
    if (c == 0x2C) {
        p = skip_ws(p + 1);
        if (kinds[depth] == KIND_ARRAY) goto value;
        goto key;
    }
    if ((c == 0x7D && kinds[depth] != KIND_ARRAY) || (c == 0x5D && kinds[depth] == KIND_ARRAY)) { empty = 0; goto close; }
    return -1;
}

close: {
    // `p` is at the closing bracket; `empty`: nothing but whitespace since the opening one.
    int kind = kinds[depth--];
    if (suppress_depth < 0) {
        if (kind == KIND_INFO) {
            if (!info_has_member) EDIT(p - bytes, p - bytes, CJA_INSERT_MEMBER, empty);
        } else if (depth == 0 && !saw_info) {
            EDIT(p - bytes, p - bytes, CJA_INSERT_INFO, empty);
        }
    }
    p++;
    goto after_value;
}
#undef EDIT
}
