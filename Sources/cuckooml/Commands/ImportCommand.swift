#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// `import ...`: brings outside data into the session.
struct ImportCommand: ShellCommand {
    static let spec = CommandSpec(name: "import", summary: "Import outside data (a numeric matrix)")
    static let subcommands: [any ShellCommand.Type] = [ImportMatrixCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("import needs a subcommand: matrix")
    }
}

/// `import matrix FILE.csv [label=COLUMN]`: a numeric CSV becomes the session's samples and features.
struct ImportMatrixCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "matrix",
        summary: "Use a numeric CSV (with a header) as the samples and feature matrix",
        discussion: """
            The first line names the columns (RFC 4180 CSV: quoted fields may hold commas, quotes and
            line breaks). The sample id is the column named by id=COLUMN, else the first column named
            sample, id, md5, sha1, sha256 or name (whatever its values), else a first column holding any
            non-numeric value (otherwise rows are named row1, row2, ...). label=COLUMN takes that column
            as external labels instead of a feature. Every other value must be a finite number (NaN and
            inf are refused, naming the line and column). Replaces the session's samples, features,
            labels and clusterings.
            """,
        arguments: [
            .positional("file", .path, help: "the CSV file"),
            .option("label", help: "column holding each row's label"),
            .option("id", help: "column holding each row's sample id"),
        ],
        examples: ["import matrix points.csv", "import matrix data.csv label=family", "import matrix data.csv id=hash"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let bytes = try readWholeFile(path)
        let imported: ImportedMatrix
        do {
            imported = try ImportedMatrix.parse(bytes: bytes, path: path, labelColumn: arguments.string("label"),
                                                idColumn: arguments.string("id"))
        } catch {
            throw ShellError.failed(error.description)
        }
        context.session.importMatrix(ids: imported.ids, names: imported.names, matrix: imported.matrix, labels: imported.labels)
        let families = Set(imported.labels ?? []).count
        let text2 = "imported \(imported.ids.count) rows × \(imported.names.count) features from \(escapeForTerminal(path))"
            + (imported.labels == nil ? "" : " with labels (\(families) distinct)")
        return CommandOutput(text: text2, json: ["rows": .int(imported.ids.count), "features": .int(imported.names.count),
                                                  "labels": imported.labels == nil ? .null : .int(families),
                                                  "file": .string(path)])
    }

    /// Reads a regular file (never a FIFO or a directory) up to 2 GB, with one-line errors.
    static func readWholeFile(_ path: String) throws -> [UInt8] {
        do { return try RegularFile.read(path, limit: 2_000_000_000) } catch { throw ShellError.failed(error.description) }
    }
}
