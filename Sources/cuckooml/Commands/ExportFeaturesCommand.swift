import CuckooML

/// `export features FILE.csv|FILE.svmlight`: the feature matrix, dense CSV or sparse svmlight.
struct ExportFeaturesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "features",
        summary: "Write the features: FILE.csv (dense, for pandas) or FILE.svmlight (sparse, with labels)",
        discussion: """
            .csv: a header 'sample,<feature...>' and one row of values per sample.
            .svmlight (or .svm, .libsvm): 'LABEL INDEX:VALUE ... # SAMPLE' per sample, 1-based indices, and
            a '#' comment header mapping label numbers to families and indices to feature names
            (sklearn.datasets.load_svmlight_file reads it). Files are written atomically.
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
                try FeatureExport.writeSVMLight(features, samples: ids, labels: session.labelColumn, to: path, control: context.control)
            } else {
                try FeatureExport.writeCSV(features, samples: ids, to: path, control: context.control)
            }
        } catch {
            throw exportFailure(error)
        }
        let text = "wrote \(escapeForTerminal(path)) (\(ids.count) samples × \(features.names.count) features, \(svmlight ? "svmlight" : "csv"))"
        return CommandOutput(text: text, json: ["file": .string(path), "format": .string(svmlight ? "svmlight" : "csv"),
                                                "samples": .int(ids.count), "features": .int(features.names.count)])
    }
}
