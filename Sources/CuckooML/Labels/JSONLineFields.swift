/// The string fields at the top level of one JSON object (a line of a JSON-lines label file), read
/// with the reports' own scanner; other values are skipped.
enum JSONLineFields {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ bytes: [UInt8]) throws(Failure) -> [String: String] {
        let outcome = try? ReportReader.withPadded(bytes) { buffer throws(ReportError) -> Result<[String: String], Failure> in
            var scanner = JSONScanner(base: buffer, count: bytes.count)
            var fields: [String: String] = [:]
            do throws(ScanFailure) {
                guard try scanner.beginObject() else { return .failure(Failure(description: "expected a JSON object")) }
                var first = true
                while let key = try scanner.nextKey(&first) {
                    let name = key.string
                    if let value = try scanner.readString() { fields[name] = value }
                }
                try scanner.expectEnd()
            } catch {
                switch error {
                case .malformed(let offset, let message): return .failure(Failure(description: "byte \(offset): \(message)"))
                case .cancelled: return .failure(Failure(description: "interrupted"))
                }
            }
            return .success(fields)
        }
        guard let outcome else { throw Failure(description: "cannot read the line") }
        return try outcome.get()
    }
}
