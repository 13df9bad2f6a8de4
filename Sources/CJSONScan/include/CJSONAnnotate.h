#ifndef CJSONANNOTATE_H
#define CJSONANNOTATE_H

// The fast path of `save DIR` (Sources/CuckooML/Output/JSONAnnotatingCopier.swift): checks a whole
// report held in memory and lists the few places where the annotated copy differs from it, so the
// copy is the report's own bytes spliced around those places instead of a byte-by-byte state machine.
//
// It accepts exactly the documents the Swift copier accepts and finds the same places, or declines:
// anything it is not sure of (a grammar or UTF-8 error, an escaped top-level or `info` member name,
// nesting past its stack, more places than `capacity`) returns -1 and the Swift copier copies the
// file the slow way, with its own error messages and offsets. So it must never accept what the
// Swift copier rejects, nor place an edit elsewhere; declining costs only speed.
//
// Contract: the buffer is followed by at least 16 zero bytes (a zero byte ends every run: it is
// neither whitespace, nor a token byte, nor allowed in a string).

#include <stdint.h>

/// What replaces `[start, end)` of the input in the copy.
typedef enum {
    /// The value of an existing `info.<member>`: replaced by the annotation.
    CJA_REPLACE_VALUE = 0,
    /// `NaN`, `Infinity` or `-Infinity`: replaced by `null`.
    CJA_NULL = 1,
    /// The closing `}` of an `info` object without the member (start == end, before it): the member
    /// is inserted, after a comma unless `empty`.
    CJA_INSERT_MEMBER = 2,
    /// The closing `}` of a top-level object without `info` (start == end): `"info":{member}` is
    /// inserted, after a comma unless `empty`.
    CJA_INSERT_INFO = 3,
} cja_edit_kind;

typedef struct {
    long start;
    long end;
    int kind;
    /// For inserts: the object had no members (no comma before the insert).
    int empty;
} cja_edit;

/// Checks the JSON document `bytes[0..<count]` (no byte-order mark; the caller drops it) and writes
/// the edits in input order to `edits` (capacity `capacity`). Returns how many, or -1 to decline.
long cja_plan(const uint8_t *_Nonnull bytes, long count, const uint8_t *_Nonnull member, long member_count,
              cja_edit *_Nonnull edits, long capacity);

#endif
