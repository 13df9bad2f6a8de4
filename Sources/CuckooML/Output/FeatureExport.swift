/// Writes the feature matrix and the labels in formats other tools read. Every file is written
/// atomically: a failure leaves any earlier file untouched.
public enum FeatureExport {
    /// Dense CSV for pandas: a header `sample,<feature...>`, then one row per sample with every value
    /// (0 included). Fields are quoted per RFC 4180 when they hold a comma, quote, CR or LF.
    public static func writeCSV(_ features: FeatureSet, samples: [String], to path: String,
                                control: TaskControl = .none) throws {
        precondition(samples.count == features.matrix.rowCount, "one sample id per row")
        let writer = try AtomicFileWriter(path: path)
        var line = "sample"
        for name in features.names { line += ","; line += csvField(name) }
        line += "\n"
        try writer.write(line)
        let m = features.matrix
        var dense = [String](repeating: "0", count: m.columnCount)
        for i in 0..<m.rowCount {
            if i % 256 == 0 { try control.checkCancellation() }
            let row = m.row(i)
            for (c, v) in zip(row.columns, row.values) { dense[Int(c)] = number(v) }
            line = csvField(samples[i])
            for value in dense { line += ","; line += value }
            line += "\n"
            try writer.write(line)
            for c in row.columns { dense[Int(c)] = "0" }
        }
        try writer.commit()
    }

    /// Sparse svmlight / libsvm text, as `sklearn.datasets.load_svmlight_file` reads it:
    ///
    ///     # cuckooml features: 94 samples, 5120 features; feature indices are 1-based
    ///     # label 0 none
    ///     # label 1 neurevt
    ///     # feature 1 :count:dimp
    ///     # feature 2 :count:file:all
    ///     1 1:12 2:5 ... # 2
    ///
    /// Each data line is `LABEL INDEX:VALUE ...` with indices ascending, then `# SAMPLE`. Labels are
    /// numbered by family in alphabetical order (the `# label` lines map them back); the header maps
    /// every index to its feature name. CR, LF and backslash in names and ids are escaped (`\n`, `\r`,
    /// `\\`) so every comment stays on one line.
    public static func writeSVMLight(_ features: FeatureSet, samples: [String], labels: [String], to path: String,
                                     control: TaskControl = .none) throws {
        precondition(samples.count == features.matrix.rowCount && labels.count == samples.count, "one id and label per row")
        let families = Array(Set(labels)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let labelIndex = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($1, $0) })
        let writer = try AtomicFileWriter(path: path)
        let m = features.matrix
        try writer.write("# cuckooml features: \(m.rowCount) samples, \(m.columnCount) features; feature indices are 1-based\n")
        for (i, f) in families.enumerated() { try writer.write("# label \(i) \(commentText(f))\n") }
        for (i, name) in features.names.enumerated() { try writer.write("# feature \(i + 1) \(commentText(name))\n") }
        for i in 0..<m.rowCount {
            if i % 256 == 0 { try control.checkCancellation() }
            var line = String(labelIndex[labels[i]]!)
            let row = m.row(i)
            for (c, v) in zip(row.columns, row.values) { line += " \(Int(c) + 1):\(number(v))" }
            line += " # \(commentText(samples[i]))\n"
            try writer.write(line)
        }
        try writer.commit()
    }

    /// `sample,label,votes`, one row per sample in session order.
    public static func writeLabelsCSV(samples: [String], labels: [SampleLabel], to path: String) throws(OutputError) {
        var text = "sample,label,votes,engines,runner_up,runner_up_votes\n"
        for (id, label) in zip(samples, labels) {
            text += csvField(id) + "," + csvField(label.family) + "," + String(label.votes) + "," + String(label.engines)
                + "," + csvField(label.runnerUp ?? "") + "," + String(label.runnerUpVotes) + "\n"
        }
        try AtomicFileWriter.write(text, to: path)
    }

    /// A CSV field, quoted when it must be (comma, quote, CR, LF, or surrounding spaces).
    public static func csvField(_ s: String) -> String {
        var needsQuotes = false
        for b in s.utf8 where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            needsQuotes = true
            break
        }
        if !needsQuotes, let f = s.first, let l = s.last, f == " " || l == " " { needsQuotes = true }
        guard needsQuotes else { return s }
        var out = "\""
        for c in s { if c == "\"" { out += "\"\"" } else { out.append(c) } }
        return out + "\""
    }

    /// Whole numbers without a fraction (`3`), others in shortest round-trip form.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func commentText(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
