// The string decoder of CJSONString.h. One body, specialised for the vector and scalar stop scans.
#include <string.h>
#include "CJSONString.h"
#include "CJSONSkip.h"
#include "CJSONScan.h"

#define CJS_INLINE inline __attribute__((always_inline))

static CJS_INLINE int cjs_hex_value(uint8_t c) {
    if ((uint8_t)(c - 0x30) < 10) return c - 0x30;
    if ((uint8_t)((c | 0x20) - 0x61) < 6) return (c | 0x20) - 0x61 + 10;
    return -1;
}

/// The four hex digits at `s` as a number, or -1.
static CJS_INLINE long cjs_hex4(const uint8_t *s) {
    int a = cjs_hex_value(s[0]), b = cjs_hex_value(s[1]), c = cjs_hex_value(s[2]), d = cjs_hex_value(s[3]);
    if ((a | b | c | d) < 0) return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/// Writes `v` as UTF-8 at `out`; returns the bytes written.
static CJS_INLINE long cjs_put_utf8(uint8_t *out, unsigned long v) {
    if (v < 0x80) { out[0] = (uint8_t)v; return 1; }
    if (v < 0x800) { out[0] = (uint8_t)(0xC0 | (v >> 6)); out[1] = (uint8_t)(0x80 | (v & 0x3F)); return 2; }
    if (v < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (v >> 12)); out[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3F)); out[2] = (uint8_t)(0x80 | (v & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (v >> 18)); out[1] = (uint8_t)(0x80 | ((v >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((v >> 6) & 0x3F)); out[3] = (uint8_t)(0x80 | (v & 0x3F));
    return 4;
}

/// Decodes the escape at `*qp` (a backslash) to `out + *np` (up to 4 bytes) and moves both past it;
/// 0 when it is not a valid escape.
static CJS_INLINE int cjs_put_escape(const uint8_t **qp, uint8_t *out, long *np) {
    const uint8_t *q = *qp;
    long n = *np;
    uint8_t e = q[1];
    q += 2;
    switch (e) {
    case 0x22: case 0x5C: case 0x2F: out[n++] = e; break;
    case 0x62: out[n++] = 0x08; break;
    case 0x66: out[n++] = 0x0C; break;
    case 0x6E: out[n++] = 0x0A; break;
    case 0x72: out[n++] = 0x0D; break;
    case 0x74: out[n++] = 0x09; break;
    case 0x75: {
        long scalar = cjs_hex4(q);
        if (scalar < 0) return 0;
        q += 4;
        if (scalar >= 0xD800 && scalar < 0xDC00) {
            // A high surrogate pairs with an escaped low one right after it; anything else
            // leaves it alone (U+FFFD) and the next escape is decoded on its own.
            if (q[0] == 0x5C && q[1] == 0x75) {
                long low = cjs_hex4(q + 2);
                if (low < 0) return 0;
                if (low >= 0xDC00 && low < 0xE000) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00);
                    q += 6;
                } else {
                    scalar = 0xFFFD;
                }
            } else {
                scalar = 0xFFFD;
            }
        } else if (scalar >= 0xDC00 && scalar < 0xE000) {
            scalar = 0xFFFD;
        }
        n += cjs_put_utf8(out + n, (unsigned long)scalar);
        break;
    }
    default:
        return 0;
    }
    *qp = q;
    *np = n;
    return 1;
}

static CJS_INLINE const uint8_t *cjs_decode(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity,
                                            long *count, int vector) {
    long n = 0;
    for (;;) {
        const uint8_t *s = vector ? cjs_string_stop_vector(q, limit) : cjs_string_stop_scalar(q, limit);
        long run = s - q;
        // The run goes over in 8-byte pieces (up to 7 bytes past it), then an escape adds up to 4.
        if (n + run + 12 > capacity) return 0;
        for (long i = 0; i < run; i += 8) memcpy(out + n + i, q + i, 8);
        n += run;
        q = s;
        if (*q == 0x22) {
            *count = n;
            return q + 1;
        }
        if (*q != 0x5C) return 0;   // a control byte, or the limit
        if (!cjs_put_escape(&q, out, &n)) return 0;
    }
}

#if CJS_HAS_VECTOR
#include <immintrin.h>

#define CJS_VBMI2 __attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,popcnt")))
#define CJS_EVEN_BITS 0x5555555555555555ull

/// 64 bytes at a time with AVX-512: the escape starters of a block come from its backslash mask
/// (as in the block skipper), escaped letters are translated in place, and `vpcompressb` drops the
/// starters, so a run of `\\` escapes costs nothing per escape. A block with a `\u` escape is left
/// to `cjs_decode` from there on.
static CJS_VBMI2 const uint8_t *cjs_decode_avx512(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity,
                                                  long *count) {
    long n = 0;
    uint64_t carry = 0;   // byte 0 is escaped by the previous block's last byte
    for (;;) {
        if (q >= limit || n + 64 > capacity) return 0;
        __m512i v = _mm512_loadu_si512((const void *)q);
        uint64_t backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x5C));
        // Within each run of backslashes the starters are those at the run start's parity.
        uint64_t bs = backslash & ~carry;
        uint64_t starts = bs & ~(bs << 1);
        uint64_t evenRuns = bs & ~(bs + (starts & CJS_EVEN_BITS));
        uint64_t starters = (evenRuns & CJS_EVEN_BITS) | (bs & ~evenRuns & ~CJS_EVEN_BITS);
        uint64_t escaped = (starters << 1) | carry;
        uint64_t quotes = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x22)) & ~escaped;
        uint64_t body = quotes ? (quotes & (0 - quotes)) - 1 : ~0ull;   // bytes before the closing quote
        if (_mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1F)) & body) return 0;
        uint64_t escapedBody = escaped & body;
        if (escapedBody) {
            uint64_t letter = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x62)) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x66))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x6E)) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x72))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x74));
            uint64_t same = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x22)) | backslash
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x2F));
            if (escapedBody & ~(letter | same)) {
                if (escapedBody & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x75)) & ~(letter | same)) {
                    // \u: the general decoder goes on from this block's first escape starter.
                    const uint8_t *from = carry ? q - 1 : q;
                    long rest;
                    const uint8_t *stop = cjs_decode(from, limit, out + n, capacity - n, &rest, 1);
                    if (!stop) return 0;
                    *count = n + rest;
                    return stop;
                }
                return 0;   // an invalid escape
            }
            uint64_t translate = escapedBody & letter;
            if (translate) {
                v = _mm512_mask_mov_epi8(v, translate & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x62)), _mm512_set1_epi8(0x08));
                v = _mm512_mask_mov_epi8(v, translate & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x66)), _mm512_set1_epi8(0x0C));
                v = _mm512_mask_mov_epi8(v, translate & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x6E)), _mm512_set1_epi8(0x0A));
                v = _mm512_mask_mov_epi8(v, translate & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x72)), _mm512_set1_epi8(0x0D));
                v = _mm512_mask_mov_epi8(v, translate & _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x74)), _mm512_set1_epi8(0x09));
            }
        }
        uint64_t keep = body & ~starters;
        _mm512_storeu_si512((void *)(out + n), _mm512_maskz_compress_epi8(keep, v));
        n += __builtin_popcountll(keep);
        if (quotes) {
            *count = n;
            return q + __builtin_ctzll(quotes) + 1;
        }
        carry = starters >> 63;
        q += 64;
    }
}

#define CJS_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

/// `cjs_decode` 32 bytes at a time with AVX2: the stops of a block (quotes, backslashes, control
/// bytes) come from one mask, and the runs between them are copied 32 bytes at a time (the bytes past
/// a run are overwritten by what follows), so a path full of `\\` costs no new scan per escape.
static CJS_AVX2 const uint8_t *cjs_decode_avx2(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity,
                                               long *count) {
    const __m256i quote = _mm256_set1_epi8(0x22), backslash = _mm256_set1_epi8(0x5C), controlMax = _mm256_set1_epi8(0x1F);
    long n = 0;
    for (;;) {
        // A block moves the output on by at most the input it takes (escapes never grow), under 44
        // bytes, and each store writes 32 bytes from there: 128 bytes of room are ample.
        if (q >= limit || n + 128 > capacity) return 0;
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
        __m256i stop = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)),
                                       _mm256_cmpeq_epi8(_mm256_max_epu8(v, controlMax), controlMax));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(stop);
        const uint8_t *from = q;   // the first byte not yet decoded
        while (mask) {
            const uint8_t *s = q + __builtin_ctz(mask);
            mask &= mask - 1;
            if (s < from) continue;   // inside an escape just decoded
            _mm256_storeu_si256((__m256i *)(void *)(out + n), _mm256_loadu_si256((const __m256i *)(const void *)from));
            n += s - from;
            if (*s == 0x22) {
                *count = n;
                return s + 1;
            }
            if (*s != 0x5C) return 0;   // a control byte
            if (!cjs_put_escape(&s, out, &n)) return 0;
            from = s;
        }
        if (from < q + 32) {
            _mm256_storeu_si256((__m256i *)(void *)(out + n), _mm256_loadu_si256((const __m256i *)(const void *)from));
            n += q + 32 - from;
            from = q + 32;
        }
        q = from;
    }
}

/// The widest variant the CPU has for decoding: AVX-512 needs VBMI2 (`vpcompressb`) as well.
static int cjs_decode_widest(void) {
    int widest = cjs_widest_path();
    if (widest == CJS_PATH_AVX512 && !__builtin_cpu_supports("avx512vbmi2")) widest = CJS_PATH_AVX2;
    return widest;
}

/// The variant in use: -1 until the first call, then the widest the CPU has (or fewer, for tests).
static int cjs_decode_path = -1;

void cjs_decode_use_path(int widest) {
    int known = cjs_decode_widest();
    __atomic_store_n(&cjs_decode_path, widest < known ? widest : known, __ATOMIC_RELAXED);
}

const uint8_t *cjs_decode_string_vector(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity, long *count) {
    int path = __atomic_load_n(&cjs_decode_path, __ATOMIC_RELAXED);
    if (path < 0) {
        path = cjs_decode_widest();
        __atomic_store_n(&cjs_decode_path, path, __ATOMIC_RELAXED);
    }
    switch (path) {
    case CJS_PATH_AVX512: return cjs_decode_avx512(q, limit, out, capacity, count);
    case CJS_PATH_AVX2: return cjs_decode_avx2(q, limit, out, capacity, count);
    default: return cjs_decode(q, limit, out, capacity, count, 1);
    }
}
#else
void cjs_decode_use_path(int widest) { (void)widest; }

const uint8_t *cjs_decode_string_vector(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity, long *count) {
    return cjs_decode(q, limit, out, capacity, count, 1);
}
#endif

const uint8_t *cjs_decode_string_scalar(const uint8_t *q, const uint8_t *limit, uint8_t *out, long capacity, long *count) {
    return cjs_decode(q, limit, out, capacity, count, 0);
}
