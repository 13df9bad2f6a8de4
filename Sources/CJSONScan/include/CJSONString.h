#ifndef CJSONSTRING_H
#define CJSONSTRING_H

// Reading a string value with escapes in one pass (used by `JSONScanner` for the strings the reader
// keeps: summary paths and registry keys, mostly Windows paths full of `\\`).
//
// Validating the string and then decoding it walks it twice and costs a Swift call per escape;
// this does both at once. Like the skippers, it never reports an error: anything it does not accept
// (a control byte, an invalid escape, the checkpoint limit, a full buffer) returns null and the
// Swift scanner reads the string again its own way, with its errors.

#include <stddef.h>
#include <stdint.h>

/// Decodes the body of the string starting at `q` (after its opening quote) into `out` (capacity
/// `capacity`, which may be written up to its end) and returns the byte after the closing quote,
/// with the decoded length in `*count`; null when declined. Decoding is `JSONScanner`'s: escapes
/// replaced, `\uXXXX` as UTF-8, surrogate pairs combined, a lone surrogate as U+FFFD. The vector
/// form finds escapes 64 bytes at a time with AVX-512 (VBMI2), 32 with AVX2, else 16 with SSE2; the
/// scalar one 8; all give the same result.
const uint8_t *_Nullable cjs_decode_string_vector(const uint8_t *_Nonnull q, const uint8_t *_Nonnull limit,
                                                  uint8_t *_Nonnull out, long capacity, long *_Nonnull count);
const uint8_t *_Nullable cjs_decode_string_scalar(const uint8_t *_Nonnull q, const uint8_t *_Nonnull limit,
                                                  uint8_t *_Nonnull out, long capacity, long *_Nonnull count);

/// Makes the vector form use the widest variant up to `widest` (a `cjs_path`) the CPU has (by
/// default the widest of all). Tests run each in turn: every variant gives the same result, so
/// switching while other threads decode is safe.
void cjs_decode_use_path(int widest);

#endif
