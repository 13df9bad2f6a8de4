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
}
