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

int cjs_avx512_allowed(void) {
    const char *value = getenv("CUCKOOML_NO_AVX512");
    return !(value && value[0] && strcmp(value, "0") != 0);
}

#if CJS_HAS_VECTOR
#include <immintrin.h>

#define EVEN_BITS 0x5555555555555555ull

typedef struct {
    uint64_t quote, backslash, space, structural, control;
    /// Only from `cjs_classify_avx2` (zero elsewhere): the bytes that make a valid escape after a
    /// backslash on their own (`"/bfnrt`), and the `u`s (valid with four hex digits).
    uint64_t escapeLetter, u;
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
    cjs_masks m = {0, 0, 0, 0, 0, 0, 0};
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

#define CJS_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt,pclmul")))

/// `cjs_classify_sse2` in two 32-byte halves, with table lookups for the two classes of four bytes
/// each (about 35 instructions a block against 110). Whitespace bytes have distinct low nibbles
/// (0x20, 0x09, 0x0A, 0x0D), so a byte is whitespace exactly when the table entry at its low nibble
/// is the byte itself (`vpshufb` gives 0 for bytes >= 0x80, which are never 0, and the entries of
/// other nibbles are 0xFF, which no byte below 0x80 equals). The structural bytes, with bit 0x20
/// set, are 0x7B, 0x7D, 0x3A and 0x2C, again one per low nibble; setting that bit also maps 0x5B
/// and 0x5D (wanted: `[` and `]`) and 0x1A and 0x0C (control bytes, taken out again) onto them.
static CJS_INLINE CJS_AVX2 uint64_t cjs_movemask256(__m256i lo, __m256i hi) {
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) | ((uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32);
}

static CJS_INLINE CJS_AVX2 cjs_masks cjs_classify_avx2(const uint8_t *b) {
    const __m256i whiteTable = _mm256_setr_epi8(
        0x20, -1, -1, -1, -1, -1, -1, -1, -1, 0x09, 0x0A, -1, -1, 0x0D, -1, -1,
        0x20, -1, -1, -1, -1, -1, -1, -1, -1, 0x09, 0x0A, -1, -1, 0x0D, -1, -1);
    const __m256i structuralTable = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3A, 0x7B, 0x2C, 0x7D, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3A, 0x7B, 0x2C, 0x7D, 0, 0);
    const __m256i quote = _mm256_set1_epi8(0x22), backslash = _mm256_set1_epi8(0x5C);
    const __m256i lowerBit = _mm256_set1_epi8(0x20), controlMax = _mm256_set1_epi8(0x1F);
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
    cjs_masks m;
    m.quote = cjs_movemask256(_mm256_cmpeq_epi8(lo, quote), _mm256_cmpeq_epi8(hi, quote));
    m.backslash = cjs_movemask256(_mm256_cmpeq_epi8(lo, backslash), _mm256_cmpeq_epi8(hi, backslash));
    m.space = cjs_movemask256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(whiteTable, lo), lo),
                              _mm256_cmpeq_epi8(_mm256_shuffle_epi8(whiteTable, hi), hi));
    m.control = cjs_movemask256(_mm256_cmpeq_epi8(_mm256_max_epu8(lo, controlMax), controlMax),
                                _mm256_cmpeq_epi8(_mm256_max_epu8(hi, controlMax), controlMax));
    __m256i foldedLo = _mm256_or_si256(lo, lowerBit), foldedHi = _mm256_or_si256(hi, lowerBit);
    m.structural = cjs_movemask256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(structuralTable, lo), foldedLo),
                                   _mm256_cmpeq_epi8(_mm256_shuffle_epi8(structuralTable, hi), foldedHi))
        & ~m.control;
    // Escape letters by nibble tables (as simdjson classifies): the low nibble's entry and the high
    // nibble's share a bit exactly for `"` and `/` (high nibble 2, bit 0), `b` `f` `n` (6, bit 1)
    // and `r` `t` (7, bit 2). Bytes >= 0x80 find 0 in both (`vpshufb`'s zero, high entries 0).
    const __m256i letterLow = _mm256_setr_epi8(
        0, 0, 0x07, 0, 0x04, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01,
        0, 0, 0x07, 0, 0x04, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01);
    const __m256i letterHigh = _mm256_setr_epi8(
        0, 0, 0x01, 0, 0, 0, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0x01, 0, 0, 0, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i lowNibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256(), u = _mm256_set1_epi8(0x75);
    __m256i highLo = _mm256_and_si256(_mm256_srli_epi16(lo, 4), lowNibble);
    __m256i highHi = _mm256_and_si256(_mm256_srli_epi16(hi, 4), lowNibble);
    __m256i letterLo = _mm256_and_si256(_mm256_shuffle_epi8(letterLow, lo), _mm256_shuffle_epi8(letterHigh, highLo));
    __m256i letterHi = _mm256_and_si256(_mm256_shuffle_epi8(letterLow, hi), _mm256_shuffle_epi8(letterHigh, highHi));
    m.escapeLetter = ~cjs_movemask256(_mm256_cmpeq_epi8(letterLo, zero), _mm256_cmpeq_epi8(letterHi, zero));
    m.u = cjs_movemask256(_mm256_cmpeq_epi8(lo, u), _mm256_cmpeq_epi8(hi, u));
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
    m.escapeLetter = m.u = 0;
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

/// The escaped bytes (of `escaped`) that do not make a valid escape, one by one.
static CJS_INLINE uint64_t cjs_invalid_escapes(const uint8_t *b, uint64_t escaped, const cjs_masks *m) {
    (void)m;
    uint64_t invalid = 0;
    for (uint64_t e = escaped; e; e &= e - 1) {
        unsigned i = (unsigned)__builtin_ctzll(e);
        if (!cjs_valid_escape(b + i)) invalid |= 1ull << i;
    }
    return invalid;
}

/// `cjs_invalid_escapes` from the classifier's letter masks: only a `u` is checked on its own (its
/// hex digits), so a path full of `\\` costs nothing per escape.
static CJS_INLINE CJS_AVX2 uint64_t cjs_invalid_escapes_avx2(const uint8_t *b, uint64_t escaped, const cjs_masks *m) {
    uint64_t invalid = escaped & ~(m->escapeLetter | m->u);
    for (uint64_t e = escaped & m->u; e; e &= e - 1) {
        unsigned i = (unsigned)__builtin_ctzll(e);
        if (!cjs_valid_escape(b + i)) invalid |= 1ull << i;
    }
    return invalid;
}

/// `cjs_prefix_xor` in one carry-less multiply by all ones (bit i of the product is the XOR of
/// bits 0...i of `x`).
static CJS_INLINE CJS_AVX2 uint64_t cjs_prefix_xor_clmul(uint64_t x) {
    __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(product);
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
typedef uint64_t (*cjs_escape_check)(const uint8_t *, uint64_t, const cjs_masks *);
typedef uint64_t (*cjs_prefix)(uint64_t);

/// The skipper, inlined into each wrapper below with its classifier (a constant there, so the
/// classifier is inlined too, with the wrapper's instruction set).
static CJS_INLINE const uint8_t *cjs_skip_blocks(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth,
                                                 long floor, long max_depth, cjs_skip_state at, cjs_skip_resume *resume,
                                                 cjs_classifier classify, cjs_escape_check invalidEscapes,
                                                 cjs_prefix prefixXor) {
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
        uint64_t string = prefixXor(quotes) ^ inString;   // opening quote to before the closing one
        inString = (uint64_t)((int64_t)string >> 63);
        uint64_t bad = (m.control & string) | (escaped ? invalidEscapes(b, escaped, &m) : 0);
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
    return cjs_skip_blocks(p, limit, kinds, depth, floor, max_depth, at, resume, cjs_classify_sse2, cjs_invalid_escapes, cjs_prefix_xor);
}

static CJS_AVX2 cjs_masks cjs_classify_avx2_call(const uint8_t *b) { return cjs_classify_avx2(b); }

static CJS_AVX512 cjs_masks cjs_classify_avx512_call(const uint8_t *b) { return cjs_classify_avx512(b); }

static CJS_AVX2 const uint8_t *cjs_skip_blocks_avx2(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth,
                                                    long floor, long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    return cjs_skip_blocks(p, limit, kinds, depth, floor, max_depth, at, resume, cjs_classify_avx2, cjs_invalid_escapes_avx2,
                           cjs_prefix_xor_clmul);
}

static CJS_AVX512 const uint8_t *cjs_skip_blocks_avx512(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth,
                                                        long floor, long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    return cjs_skip_blocks(p, limit, kinds, depth, floor, max_depth, at, resume, cjs_classify_avx512, cjs_invalid_escapes,
                           cjs_prefix_xor);
}

void cjs_classify_block(int path, const uint8_t *b, uint64_t masks[7]) {
    if (path > cjs_widest_path()) path = cjs_widest_path();
    cjs_masks m = path == CJS_PATH_AVX512 ? cjs_classify_avx512_call(b)
        : path == CJS_PATH_AVX2 ? cjs_classify_avx2_call(b) : cjs_classify_sse2(b);
    masks[0] = m.quote;
    masks[1] = m.backslash;
    masks[2] = m.space;
    masks[3] = m.structural;
    masks[4] = m.control;
    masks[5] = m.escapeLetter;
    masks[6] = m.u;
}

int cjs_widest_path(void) {
    static int widest = -1;
    int known = __atomic_load_n(&widest, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = cjs_avx512_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? CJS_PATH_AVX512
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2")
                && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("pclmul") ? CJS_PATH_AVX2
            : CJS_PATH_SSE2;
        __atomic_store_n(&widest, known, __ATOMIC_RELAXED);
    }
    return known;
}

/// The variant in use: -1 until the first call, then the widest the CPU has (or fewer, for tests).
static int cjs_skip_path = -1;

void cjs_skip_use_path(int widest) {
    __atomic_store_n(&cjs_skip_path, widest < cjs_widest_path() ? widest : cjs_widest_path(), __ATOMIC_RELAXED);
}

const uint8_t *_Nullable cjs_skip_container(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth, long floor,
                                            long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    int path = __atomic_load_n(&cjs_skip_path, __ATOMIC_RELAXED);
    if (path < 0) {
        path = cjs_widest_path();
        __atomic_store_n(&cjs_skip_path, path, __ATOMIC_RELAXED);
    }
    switch (path) {
    case CJS_PATH_AVX512: return cjs_skip_blocks_avx512(p, limit, kinds, depth, floor, max_depth, at, resume);
    case CJS_PATH_AVX2: return cjs_skip_blocks_avx2(p, limit, kinds, depth, floor, max_depth, at, resume);
    default: return cjs_skip_blocks_sse2(p, limit, kinds, depth, floor, max_depth, at, resume);
    }
}

#else

int cjs_widest_path(void) { return CJS_PATH_PORTABLE; }

void cjs_skip_use_path(int widest) { (void)widest; }

void cjs_classify_block(int path, const uint8_t *b, uint64_t masks[7]) {
    (void)path; (void)b;
    for (int k = 0; k < 7; k++) masks[k] = 0;
}

const uint8_t *_Nullable cjs_skip_container(const uint8_t *p, const uint8_t *limit, uint8_t *kinds, long depth, long floor,
                                            long max_depth, cjs_skip_state at, cjs_skip_resume *resume) {
    (void)limit; (void)kinds; (void)floor; (void)max_depth;
    resume->cursor = p;
    resume->depth = depth;
    resume->state = at == CJS_SKIP_CHECKPOINT ? CJS_SKIP_AT_VALUE : at;
    return 0;
}

#endif
