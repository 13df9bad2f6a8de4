/// The feature matrix as svmlight / libsvm text that Apache Spark's `libsvm` data source and
/// scikit-learn's `load_svmlight_file` read as they are, with the names beside it:
///
///     FILE                 # one comment line, then `LABEL INDEX:VALUE ...` per sample
///     FILE.features        # line k: the name of feature index k (1-based), as in FILE
///     FILE.samples         # `sample<TAB>label<TAB>family` header, then one line per row of FILE
///
/// Data lines carry nothing after the last `INDEX:VALUE` (Spark parses every space-separated word
/// after the label as one, so a trailing `# comment` would fail there); indices are 1-based and
/// strictly ascending; values are written in shortest round-trip form (whole numbers without a
/// fraction). The label column is the family's number in the alphabetical (byte order) list of the
/// families in this file; FILE.samples gives each row's family by name, so files from different shards
/// can be merged without agreeing on numbers. In FILE.features and FILE.samples a backslash, CR, LF and
/// (in FILE.samples) a tab are written `\\`, `\r`, `\n`, `\t`, so every name stays on its line.
public enum SVMLightExport {
    /// The sidecar holding the feature names of `path`.
    public static func featuresPath(_ path: String) -> String { path + ".features" }
    /// The sidecar holding the sample id and family of each row of `path`.
    public static func samplesPath(_ path: String) -> String { path + ".samples" }

    /// Writes `path` and its two sidecars, each atomically; the data file is renamed into place last,
    /// so a reader that finds it finds its names too.
    public static func write(_ features: FeatureSet, samples: [String], labels: [String], to path: String,
                             control: TaskControl = .none) throws {
        precondition(samples.count == features.matrix.rowCount && labels.count == samples.count, "one id and label per row")
        let families = Array(Set(labels)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let labelIndex = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($1, $0) })

        let names = try AtomicFileWriter(path: featuresPath(path))
        for name in features.names { try names.write(escaped(name, tab: false) + "\n") }

        let rows = try AtomicFileWriter(path: samplesPath(path))
        try rows.write("sample\tlabel\tfamily\n")
        let data = try AtomicFileWriter(path: path)
        let m = features.matrix
        try data.write("# cuckooml features: \(m.rowCount) samples, \(m.columnCount) features (1-based), \(families.count) labels; "
                       + "names in \(escaped(lastComponent(featuresPath(path)), tab: true)), "
                       + "rows in \(escaped(lastComponent(samplesPath(path)), tab: true))\n")
        for i in 0..<m.rowCount {
            if i % 256 == 0 { try control.checkCancellation() }
            let label = labelIndex[labels[i]]!
            var line = String(label)
            let row = m.row(i)
            for (c, v) in zip(row.columns, row.values) where v != 0 {
                line += " "
                line += String(Int(c) + 1)
                line += ":"
                line += FeatureExport.number(v)
            }
            line += "\n"
            try data.write(line)
            try rows.write(escaped(samples[i], tab: true) + "\t" + String(label) + "\t" + escaped(labels[i], tab: true) + "\n")
        }
        try names.commit()
        try rows.commit()
        try data.commit()
    }

    /// The text with backslash, CR and LF (and tab when `tab`) escaped.
    static func escaped(_ s: String, tab: Bool) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            case "\t" where tab: out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    }
}
