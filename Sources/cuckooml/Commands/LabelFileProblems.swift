import CuckooML

/// What `labels load` could not take as given: rows with an empty key or family (left out) and rows
/// that contradict an earlier row for the same sample (the later one is kept). Either makes the command
/// incomplete, so a script does not go on with ground truth it was not given.
struct LabelFileProblems {
    let conflicts: [ExternalLabels.Conflict]
    let blank: [ExternalLabels.Row]

    init(_ labels: ExternalLabels, _ samples: [Sample]) {
        conflicts = labels.conflicts(samples)
        blank = labels.blankRows
    }

    var lines: [String] {
        var out: [String] = []
        if !conflicts.isEmpty {
            out.append("\(conflicts.count) conflicting row\(conflicts.count == 1 ? "" : "s") (the later row is kept):")
            for c in conflicts.prefix(10) {
                out.append("  \(escapeForTerminal(c.sample)): line \(c.earlier.line) says \(escapeForTerminal(c.earlier.family)), line \(c.later.line) says \(escapeForTerminal(c.later.family))")
            }
            if conflicts.count > 10 { out.append("  ... and \(conflicts.count - 10) more") }
        }
        if !blank.isEmpty {
            out.append("\(blank.count) row\(blank.count == 1 ? "" : "s") with an empty key or family left out: line\(blank.count == 1 ? "" : "s") "
                       + blank.prefix(10).map { String($0.line) }.joined(separator: ", ") + (blank.count > 10 ? ", ..." : ""))
        }
        return out
    }

    var summary: String? {
        var parts: [String] = []
        if !conflicts.isEmpty { parts.append("\(conflicts.count) conflicting") }
        if !blank.isEmpty { parts.append("\(blank.count) with an empty key or family") }
        return parts.isEmpty ? nil : "label rows not taken as given: " + parts.joined(separator: ", ")
    }

    var conflictsJSON: JSONValue {
        .array(conflicts.map { ["sample": .string($0.sample), "lines": [.int($0.earlier.line), .int($0.later.line)],
                                "families": [.string($0.earlier.family), .string($0.later.family)]] })
    }

    var blankJSON: JSONValue { .array(blank.map { .int($0.line) }) }
}
