// The value skipper of CJSONSkip.h. One body, specialised twice (vector and scalar byte-run scans)
// by inlining with a constant `vector` flag.
#include "CJSONSkip.h"
#include "CJSONScan.h"

#define CJS_ALWAYS_INLINE inline __attribute__((always_inline))

static CJS_ALWAYS_INLINE const uint8_t *cjs_ws(const uint8_t *p, int vector) {
    if (*p > 0x20) return p;
    return vector ? cjs_skip_whitespace_vector(p) : cjs_skip_whitespace_scalar(p);
}

static CJS_ALWAYS_INLINE int cjs_digit(uint8_t c) { return (uint8_t)(c - 0x30) < 10; }

/// The end of the number at `p` (the JSON grammar, as `JSONScanner.skipNumber`), or null.
static CJS_ALWAYS_INLINE const uint8_t *cjs_number_end(const uint8_t *p) {
    if (*p == 0x2D) p++;
    if (*p == 0x30) {
        p++;
    } else if ((uint8_t)(*p - 0x31) < 9) {
        p++;
        while (cjs_digit(*p)) p++;
    } else {
        return 0;
    }
    if (*p == 0x2E) {
        p++;
        if (!cjs_digit(*p)) return 0;
        while (cjs_digit(*p)) p++;
    }
    if ((*p | 0x20) == 0x65) {
        p++;
        if (*p == 0x2B || *p == 0x2D) p++;
        if (!cjs_digit(*p)) return 0;
        while (cjs_digit(*p)) p++;
    }
    return p;
}

/// The end of `true`, `false` or `null` at `p`, or null (as `JSONScanner.skipLiteral`).
static CJS_ALWAYS_INLINE const uint8_t *cjs_literal_end(const uint8_t *p) {
    uint64_t w = cjs_load64(p);
    if ((w & 0xFFFFFFFFull) == 0x65757274ull || (w & 0xFFFFFFFFull) == 0x6C6C756Eull) return p + 4;
    if ((w & 0xFFFFFFFFFFull) == 0x65736C6166ull) return p + 5;
    return 0;
}

static CJS_ALWAYS_INLINE cjs_skip_state cjs_skip(const uint8_t **cursor, const uint8_t *limit, uint8_t *kinds,
                                      long *depthp, long floor, long max_depth, cjs_skip_state at, int vector) {
    const uint8_t *p = *cursor;
    long depth = *depthp;
    cjs_skip_state state;
    if (at == CJS_SKIP_AT_KEY) goto key;
    if (at == CJS_SKIP_AFTER_VALUE) goto after;

value:
    p = cjs_ws(p, vector);
    switch (*p) {
    case 0x22: {
        const uint8_t *e = vector ? cjs_skip_string_vector(p + 1, limit) : cjs_skip_string_scalar(p + 1, limit);
        if (!e) { state = CJS_SKIP_AT_VALUE; goto out; }
        p = e;
        break;
    }
    case 0x7B:
        if (depth >= max_depth) { state = CJS_SKIP_AT_VALUE; goto out; }
        kinds[++depth] = CJS_KIND_OBJECT;
        p = cjs_ws(p + 1, vector);
        if (*p == 0x7D) { p++; depth--; break; }
        goto key;
    case 0x5B:
        if (depth >= max_depth) { state = CJS_SKIP_AT_VALUE; goto out; }
        kinds[++depth] = CJS_KIND_ARRAY;
        p = cjs_ws(p + 1, vector);
        if (*p == 0x5D) { p++; depth--; break; }
        goto value;
    case 0x74: case 0x66: case 0x6E: {
        const uint8_t *e = cjs_literal_end(p);
        if (!e) { state = CJS_SKIP_AT_VALUE; goto out; }
        p = e;
        break;
    }
    case 0x2D: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34:
    case 0x35: case 0x36: case 0x37: case 0x38: case 0x39: {
        const uint8_t *e = cjs_number_end(p);
        if (!e) { state = CJS_SKIP_AT_VALUE; goto out; }
        p = e;
        break;
    }
    default:
        state = CJS_SKIP_AT_VALUE;
        goto out;
    }

after:
    // A value ended: close containers until one continues with a comma.
    while (depth > floor) {
        p = cjs_ws(p, vector);
        uint8_t c = *p;
        uint8_t kind = kinds[depth];
        if (c == 0x2C) {
            p++;
            if (kind == CJS_KIND_OBJECT) goto key;
            if (p >= limit) { state = CJS_SKIP_CHECKPOINT; goto out; }
            goto value;
        }
        if (c != (kind == CJS_KIND_OBJECT ? 0x7D : 0x5D)) { state = CJS_SKIP_AFTER_VALUE; goto out; }
        p++;
        depth--;
    }
    state = CJS_SKIP_DONE;
    goto out;

key:
    // A key and its colon; on any doubt Swift redoes both from the key's first byte.
    p = cjs_ws(p, vector);
    if (*p != 0x22) { state = CJS_SKIP_AT_KEY; goto out; }
    {
        const uint8_t *e = vector ? cjs_skip_string_vector(p + 1, limit) : cjs_skip_string_scalar(p + 1, limit);
        if (!e) { state = CJS_SKIP_AT_KEY; goto out; }
        e = cjs_ws(e, vector);
        if (*e != 0x3A) { state = CJS_SKIP_AT_KEY; goto out; }
        p = e + 1;
    }
    if (p >= limit) { state = CJS_SKIP_CHECKPOINT; goto out; }
    goto value;

out:
    *cursor = p;
    *depthp = depth;
    return state;
}

cjs_skip_state cjs_skip_value_vector(const uint8_t **cursor, const uint8_t *limit, uint8_t *kinds, long *depth,
                          long floor, long max_depth, cjs_skip_state at) {
    return cjs_skip(cursor, limit, kinds, depth, floor, max_depth, at, 1);
}

cjs_skip_state cjs_skip_value_scalar(const uint8_t **cursor, const uint8_t *limit, uint8_t *kinds, long *depth,
                          long floor, long max_depth, cjs_skip_state at) {
    return cjs_skip(cursor, limit, kinds, depth, floor, max_depth, at, 0);
}
