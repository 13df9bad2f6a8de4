// The block skipper of CJSONSkip.h: a container skipped 64 bytes at a time from bit masks.
//
// The token loop (CJSONSkip.c) pays a few unpredictable branches per token to find where each
// token ends: how long the indentation is, where a string stops, whether a backslash follows.
// Here those questions are answered for 64 bytes at once with masks (in the manner of simdjson's
// first stage), and the loop visits only the bytes that start tokens, checking the grammar there:
//   - escaped bytes: the byte after an odd run of backslashes (carried across blocks);
//   - inside strings: from each unescaped opening quote to its closing quote (prefix XOR, carried);
//   - tokens: structural bytes and opening quotes outside strings, and the first byte of each run
//     of other bytes (numbers, literals, garbage), which the scalar code parses whole.
// String bodies are checked by masks: control bytes inside strings and escapes other than
// \" \\ \/ \b \f \n \r \t \uXXXX mark the block bad at that byte.
//
// It accepts a container only when every byte up to its closing bracket passed those checks, so it
// accepts exactly what the token loop accepts; anything else (errors, \u with bad digits, nesting
// past the cap, the checkpoint limit) returns null with the last token boundary it passed (where a
// comma or closing bracket is due, everything before it checked), and the token loop goes on from
// there: it finds the same error and hands it to the Swift steps, or reaches the checkpoint.
//
// It runs several times fewer instructions per block than the token loop (`scripts/bench load` measures
// the reader as a whole on the machine at hand; speed figures live in its output, not here).
#include <stdlib.h>
#include <string.h>
#include "CJSONSkip.h"
#include "CJSONScan.h"

#if CJS_HAS_VECTOR
#include <immintrin.h>

#define EVEN_BITS 0x5555555555555555ull

typedef struct {
    uint64_t quote, backslash, space, structural, control;
} cjs_masks;

#define CJS_INLINE inline __attribute__((always_inline))

static CJS_INLINE uint64_t cjs_movemask(__m128i v) { return (uint64_t)(unsigned)_mm_movemask_epi8(v); }

/// The byte classes of the 64 bytes at `b`, bit i for byte b[i], with SSE2 (baseline x86-64).
static CJS_INLINE cjs_masks cjs_classify_sse2(const uint8_t *b) {
    const __m128i quote = _mm_set1_epi8(0x22), backslash = _mm_set1_epi8(0x5C);
    const __m128i space = _mm_set1_epi8(0x20), tab = _mm_set1_epi8(0x09), lf = _mm_set1_epi8(0x0A), cr = _mm_set1_epi8(0x0D);
    // `[` and `]` are `{` and `}` with bit 0x20 clear: one compare each after setting it.
    const __m128i lowerBit = _mm_set1_epi8(0x20), brace = _mm_set1_epi8(0x7B), closeBrace = _mm_set1_epi8(0x7D);
    const __m128i colon = _mm_set1_epi8(0x3A), comma = _mm_set1_epi8(0x2C), controlMax = _mm_set1_epi8(0x1F);
    cjs_masks m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        __m128i folded = _mm_or_si128(v, lowerBit);
        __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        __m128i st = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(folded, brace), _mm_cmpeq_epi8(folded, closeBrace)),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, comma)));
        unsigned shift = 16u * (unsigned)k;
        m.quote |= cjs_movemask(_mm_cmpeq_epi8(v, quote)) << shift;
        m.backslash |= cjs_movemask(_mm_cmpeq_epi8(v, backslash)) << shift;
        m.space |= cjs_movemask(ws) << shift;
        m.structural |= cjs_movemask(st) << shift;
        m.control |= cjs_movemask(_mm_cmpeq_epi8(_mm_max_epu8(v, controlMax), controlMax)) << shift;
    }
    return m;
}

#define CJS_AVX512 __attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt")))

/// `cjs_classify_sse2` in one 64-byte register: a compare gives a mask directly. Classifying is most
/// of the block skipper's work with SSE2 (about 110 instructions a block), so this is worth a
/// second copy of the skipper.
static CJS_INLINE CJS_AVX512 cjs_masks cjs_classify_avx512(const uint8_t *b) {
    __m512i v = _mm512_loadu_si512((const void *)b);
    __m512i folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    cjs_masks m;
    m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x22));
    m.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x5C));
    m.space = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x20)) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x0A))
        | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x0D)) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x09));
    m.structural = _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(0x7B)) | _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(0x7D))
        | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x3A)) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x2C));
    m.control = _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1F));
    return m;
}

/// Bit i set when an odd number of bits at or below i are set in `x`.
static CJS_INLINE uint64_t cjs_prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/// The escaped bytes that are not backslashes: the byte after each odd-length run of backslashes.
/// `*carry` is 1 when byte 0 is escaped (the previous block ended an odd run) and is set for the
/// next block. Backslashes escaped by a backslash are simply not run starters.
static CJS_INLINE uint64_t cjs_escaped(uint64_t backslash, uint64_t *carry) {
    uint64_t first = *carry;
    uint64_t bs = backslash & ~first;
    uint64_t starts = bs & ~(bs << 1);
    uint64_t evenStarts = starts & EVEN_BITS, oddStarts = starts & ~EVEN_BITS;
    // Adding a run's start bit carries through the run to the byte after it; that byte is escaped
    // when the run's length is odd, i.e. when it lies at the other parity than the start.
    uint64_t afterEven = (bs + evenStarts) & ~bs;
    uint64_t afterOdd;
    *carry = __builtin_add_overflow(bs, oddStarts, &afterOdd) ? 1 : 0;
    afterOdd &= ~bs;
    return (afterEven & ~EVEN_BITS) | (afterOdd & EVEN_BITS) | (first & ~backslash);
}

/// Whether the escaped byte at `s` (after a backslash) is a valid escape: one of "/bfnrt, or u with
/// four hex digits.
static CJS_INLINE int cjs_valid_escape(const uint8_t *s) {
    switch (*s) {
    case 0x22: case 0x2F: case 0x62: case 0x66: case 0x6E: case 0x72: case 0x74: return 1;
    case 0x75: return cjs_is_hex(s[1]) && cjs_is_hex(s[2]) && cjs_is_hex(s[3]) && cjs_is_hex(s[4]);
    default: return 0;
    }
}

/// Whether `c` may follow a number or literal (whitespace, a structural byte, a quote, which the
/// grammar then judges); anything else would be part of the same run of other bytes.
static CJS_INLINE int cjs_delimiter(uint8_t c) {
    return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x2C || c == 0x7D || c == 0x5D
        || c == 0x3A || c == 0x7B || c == 0x5B || c == 0x22;
}

/// The end of the number or literal run at `s`, or null when it is not exactly one valid scalar.
static CJS_INLINE const uint8_t *cjs_scalar_end(const uint8_t *s) {
    const uint8_t *e;
    uint8_t c = *s;
    if (c == 0x74 || c == 0x66 || c == 0x6E) {
        uint64_t w = cjs_load64(s);
        if ((w & 0xFFFFFFFFull) == 0x65757274ull || (w & 0xFFFFFFFFull) == 0x6C6C756Eull) e = s + 4;
        else if ((w & 0xFFFFFFFFFFull) == 0x65736C6166ull) e = s + 5;
        else return 0;
    } else {
        e = s;
        if (*e == 0x2D) e++;
        if (*e == 0x30) {
            e++;
        } else if ((uint8_t)(*e - 0x31) < 9) {
            e++;
            while ((uint8_t)(*e - 0x30) < 10) e++;
        } else {
            return 0;
        }
        if (*e == 0x2E) {
            e++;
            if ((uint8_t)(*e - 0x30) >= 10) return 0;
            while ((uint8_t)(*e - 0x30) < 10) e++;
        }
        if ((*e | 0x20) == 0x65) {
            e++;
            if (*e == 0x2B || *e == 0x2D) e++;
            if ((uint8_t)(*e - 0x30) >= 10) return 0;
            while ((uint8_t)(*e - 0x30) < 10) e++;
        }
    }
    return cjs_delimiter(*e) ? e : 0;
}

enum { AT_VALUE, AT_ARRAY_START, AT_OBJECT_START, AT_KEY, AT_COLON, AT_AFTER };

typedef cjs_masks (*cjs_classifier)(const uint8_t *);

/// The skipper, inlined into each wrapper below with its classifier (a constant there, so the
/// classifier is inlined too, with the wrapper's instruction set).
static CJS_INLINE const uint8_t *cjs_skip_blocks(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth,
                                                 long floor, long max_depth, cjs_skip_state at, cjs_skip_resume *resume,
                                                 cjs_classifier classify) {
    // The last token boundary the token loop can resume from: where a comma or closing bracket is
    // expected (everything before it has passed), or the start.
    const uint8_t *lastCursor = p;
    long lastDepth = depth;
    cjs_skip_state lastState = at == CJS_SKIP_CHECKPOINT ? CJS_SKIP_AT_VALUE : at;
#define DECLINE do { resume->cursor = lastCursor; resume->depth = lastDepth; resume->state = lastState; return 0; } while (0)
    uint64_t inString = 0, escapeCarry = 0, otherCarry = 0;
    int state = at == CJS_SKIP_AT_KEY ? AT_KEY : at == CJS_SKIP_AFTER_VALUE ? AT_AFTER : AT_VALUE;
    for (const uint8_t *b = p; b < limit; b += 64) {
        // Reports come straight from the page cache: without a hint the loads stall on memory.
        __builtin_prefetch(b + 1024);
        cjs_masks m = classify(b);
        uint64_t escaped = (m.backslash | escapeCarry) ? cjs_escaped(m.backslash, &escapeCarry) : 0;
        uint64_t quotes = m.quote & ~escaped;
        uint64_t string = cjs_prefix_xor(quotes) ^ inString;   // opening quote to before the closing one
        inString = (uint64_t)((int64_t)string >> 63);
        uint64_t bad = m.control & string;
        for (uint64_t e = escaped; e; e &= e - 1) {
            unsigned i = (unsigned)__builtin_ctzll(e);
            if (!cjs_valid_escape(b + i)) bad |= 1ull << i;
        }
        uint64_t other = ~(m.space | m.structural | quotes | string);
        uint64_t runStarts = other & ~((other << 1) | otherCarry);
        otherCarry = other >> 63;
        uint64_t tokens = (m.structural & ~string) | (quotes & string) | runStarts;
        while (tokens) {
            unsigned i = (unsigned)__builtin_ctzll(tokens);
            tokens &= tokens - 1;
            // Every byte before a token must have passed (i < 64, so the shift is defined).
            if (bad & ((1ull << i) - 1)) DECLINE;
            const uint8_t *s = b + i;
            uint8_t c = *s;
            switch (state) {
            case AT_ARRAY_START:
                if (c == 0x5D) goto close;
                goto value;
            case AT_OBJECT_START:
                if (c == 0x7D) goto close;
                if (c != 0x22) DECLINE;
                state = AT_COLON;
                continue;
            case AT_KEY:
                if (c != 0x22) DECLINE;
                state = AT_COLON;
                continue;
            case AT_COLON:
                if (c != 0x3A) DECLINE;
                state = AT_VALUE;
                continue;
            case AT_AFTER:
                lastCursor = s;
                lastDepth = depth;
                lastState = CJS_SKIP_AFTER_VALUE;
                if (c == 0x2C) {
                    state = kinds[depth] == CJS_KIND_OBJECT ? AT_KEY : AT_VALUE;
                    continue;
                }
                if (c == (kinds[depth] == CJS_KIND_OBJECT ? 0x7D : 0x5D)) goto close;
                DECLINE;
            default:
                goto value;
            }
        value:
            if (c == 0x22) {
                state = AT_AFTER;
            } else if (c == 0x7B || c == 0x5B) {
                if (depth >= max_depth) DECLINE;
                kinds[++depth] = c == 0x7B ? CJS_KIND_OBJECT : CJS_KIND_ARRAY;
                state = c == 0x7B ? AT_OBJECT_START : AT_ARRAY_START;
            } else {
                // A run of other bytes: exactly one number or literal.
                if (!cjs_scalar_end(s)) DECLINE;
                state = AT_AFTER;
            }
            continue;
        close:
            if (--depth == floor) return s + 1;
            state = AT_AFTER;
        }
        // The container goes on past this block: nothing in it may be bad.
        if (bad) DECLINE;
    }
    DECLINE;
#undef DECLINE
}

static const uint8_t *cjs_skip_blocks_sse2(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth, long floor,
                                           long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    return cjs_skip_blocks(p, limit, kinds, depth, floor, max_depth, at, resume, cjs_classify_sse2);
}

static CJS_AVX512 const uint8_t *cjs_skip_blocks_avx512(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth,
                                                        long floor, long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    return cjs_skip_blocks(p, limit, kinds, depth, floor, max_depth, at, resume, cjs_classify_avx512);
}

/// -1 until the first call; then whether the CPU has AVX-512BW.
static int cjs_wide = -1;

int cjs_avx512_allowed(void) {
    const char *value = getenv("CUCKOOML_NO_AVX512");
    return !(value && value[0] && strcmp(value, "0") != 0);
}

void cjs_skip_allow_wide(int allow) {
    __atomic_store_n(&cjs_wide, allow ? -1 : 0, __ATOMIC_RELAXED);
}

const uint8_t *_Nullable cjs_skip_container(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth, long floor,
                                            long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    int wide = __atomic_load_n(&cjs_wide, __ATOMIC_RELAXED);
    if (wide < 0) {
        __builtin_cpu_init();
        wide = cjs_avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
        __atomic_store_n(&cjs_wide, wide, __ATOMIC_RELAXED);
    }
    return wide ? cjs_skip_blocks_avx512(p, limit, kinds, depth, floor, max_depth, at, resume)
                : cjs_skip_blocks_sse2(p, limit, kinds, depth, floor, max_depth, at, resume);
}

#else

void cjs_skip_allow_wide(int allow) { (void)allow; }

const uint8_t *_Nullable cjs_skip_container(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth, long floor,
                                            long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    (void)limit; (void)kinds; (void)floor; (void)max_depth;
    resume->cursor = p;
    resume->depth = depth;
    resume->state = at == CJS_SKIP_CHECKPOINT ? CJS_SKIP_AT_VALUE : at;
    return 0;
}

#endif
