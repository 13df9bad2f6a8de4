import CuckooML

/// `export features FILE.csv|FILE.svmlight`: the feature matrix, dense CSV or sparse svmlight.
struct ExportFeaturesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "features",
        summary: "Write the features: FILE.csv (dense, for pandas) or FILE.svmlight (sparse, with labels)",
        discussion: """
            .csv: a header 'sample,<feature...>' and one row of values per sample.
            .svmlight (or .svm, .libsvm): one comment line, then 'LABEL INDEX:VALUE ...' per sample with
            1-based ascending indices and nothing after them, as Apache Spark's libsvm data source and
            sklearn.datasets.load_svmlight_file read it. Beside it, FILE.features holds the feature
            names (line k = index k) and FILE.samples a 'sample<TAB>label<TAB>family' header and one line
            per row; LABEL numbers the families in byte order. Backslash, CR, LF (and tab in
            FILE.samples) are escaped as \\\\, \\r, \\n, \\t. Files are written atomically.
            """,
        arguments: [.positional("file", .path, help: "the file to write (.csv or .svmlight)")],
        examples: ["export features features.csv", "export features features.svmlight"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let lower = path.lowercased()
        let svmlight = [".svmlight", ".svm", ".libsvm"].contains { lower.hasSuffix($0) }
        guard svmlight || lower.hasSuffix(".csv") else {
            throw ShellError.usage("FILE must end in .csv or .svmlight, not '\(escapeForTerminal(path))'")
        }
        let session = context.session
        guard let features = session.features else {
            throw ShellError.failed(session.isEmpty ? "no samples loaded; use 'load' first" : "no features built (use 'features full')")
        }
        let ids = session.samples.map(\.id)
        do {
            if svmlight {
                try SVMLightExport.write(features, samples: ids, labels: session.labelColumn, to: path, control: context.control)
            } else {
                try FeatureExport.writeCSV(features, samples: ids, to: path, control: context.control)
            }
        } catch {
            throw exportFailure(error)
        }
        var text = "wrote \(escapeForTerminal(path)) (\(ids.count) samples × \(features.names.count) features, \(svmlight ? "svmlight" : "csv"))"
        if svmlight {
            text += "; names in \(escapeForTerminal(SVMLightExport.featuresPath(path))), rows in \(escapeForTerminal(SVMLightExport.samplesPath(path)))"
        }
        return CommandOutput(text: text, json: ["file": .string(path), "format": .string(svmlight ? "svmlight" : "csv"),
                                                "samples": .int(ids.count), "features": .int(features.names.count)])
    }
}
