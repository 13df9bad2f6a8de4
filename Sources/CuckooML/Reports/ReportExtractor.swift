/// Walks one report with a `JSONScanner`, filling a `ReportRecord` from the paths of both dialects
/// (Cuckoo 2.0.x and CAPE) and skipping everything else. The paths of the two dialects hardly overlap,
/// so one walker reads both; the dialect is decided at the end from what was seen.
///
/// Recursion here follows the report schema only (a handful of levels); anything deeper or unexpected
/// goes through `skipValue`, which is iterative.
struct ReportExtractor: ~Copyable {
    var scanner: JSONScanner
    var record = ReportRecord()

    /// Evidence for the CAPE dialect (CAPE-only keys or shapes).
    var capeEvidence = false
    var sawAPIStats = false
    var summaryAPICounts: APICountsBuilder?
    var callAPICounts = APICountsBuilder()
    /// Cuckoo's `behavior.apistats`, summed over processes.
    var statsAPICounts = APICountsBuilder()
    var sawScanResults = false
    var vtSaysNotScanned = false

    init(scanner: consuming JSONScanner) {
        self.scanner = scanner
    }

    /// Reads the whole document; the top level must be an object.
    mutating func run() throws(ScanFailure) -> ReportRecord {
        scanner.skipWhitespace()
        if scanner.p >= scanner.end {
            throw .malformed(offset: scanner.offset, message: scanner.end == scanner.base ? "empty file" : "no JSON value (only whitespace)")
        }
        guard scanner.p[0] == 0x7B else {
            let found: String
            switch scanner.p[0] {
            case 0x5B: found = "an array"
            case 0x22: found = "a string"
            case 0x74, 0x66: found = "a boolean"
            case 0x6E: found = "null"
            case 0x2D, 0x30...0x39: found = "a number"
            default: found = JSONScanner.describe(scanner.p[0])
            }
            throw .malformed(offset: scanner.offset, message: "expected a JSON object at the top level, found \(found)")
        }
        _ = try scanner.beginObject()
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "target" { try readTarget() }
            else if key == "static" { try readPE() }
            else if key == "behavior" { try readBehavior() }
            else if key == "network" { try readNetwork() }
            else if key == "signatures" { try readSignatures() }
            else if key == "virustotal" { try readVirusTotal() }
            else if key == "info" { try readInfo() }
            else { try scanner.skipValue() }
        }
        try scanner.expectEnd()
        finish()
        return record
    }

    private mutating func finish() {
        record.apiCounts = sawAPIStats ? statsAPICounts.build() : (summaryAPICounts ?? callAPICounts).build()
        if var vt = record.virusTotal {
            vt.notScanned = !sawScanResults && vtSaysNotScanned
            record.virusTotal = vt
        }
        if let version = record.analyzerVersion, ASCIISearch.contains(version, "CAPE") { capeEvidence = true }
        record.dialect = capeEvidence ? .cape : .cuckoo
        record.fitStorage()
    }

    // MARK: info, target

    private mutating func readInfo() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "version" { record.analyzerVersion = try scanner.readString() } else { try scanner.skipValue() }
        }
    }

    private mutating func readTarget() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            guard key == "file" else { try scanner.skipValue(); continue }
            guard try scanner.beginObject() else { continue }
            var firstInFile = true
            while let k = try scanner.nextKey(&firstInFile) {
                if k == "size" { record.fileSize = try scanner.readInt() }
                else if k == "type" { record.fileType = try scanner.readString() }
                else if k == "name" { record.fileName = try scanner.readString() }
                else if k == "md5" { record.md5 = try scanner.readUnsharedString() }
                else if k == "sha1" { record.sha1 = try scanner.readUnsharedString() }
                else if k == "sha256" { record.sha256 = try scanner.readUnsharedString() }
                else if k == "pe" { capeEvidence = true; try readPE() }
                else if k == "virustotal" { try readVirusTotal() }
                else { try scanner.skipValue() }
            }
        }
    }

    // MARK: static (Cuckoo) and target.file.pe (CAPE)

    /// The PE section: Cuckoo's `static` (keys prefixed `pe_`) or CAPE's `target.file.pe` (the same
    /// keys without the prefix, imports keyed by DLL, signers instead of `signature`).
    private mutating func readPE() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "pe_imports" || key == "imports" { try readImports() }
            else if key == "imported_dll_count" { record.importedDLLCount = try scanner.readInt() }
            else if key == "pe_timestamp" || key == "timestamp" { try readTimestamp() }
            else if key == "pe_versioninfo" || key == "versioninfo" { try readVersionInfo() }
            else if key == "pe_resources" || key == "resources" { try readResources() }
            else if key == "peid_signatures" { try scanner.readStrings(into: &record.peidSignatures) }
            else if key == "signature" || key == "digital_signers" { if try nonEmptyArray() { record.isSigned = true } }
            else if key == "guest_signers" { try readGuestSigners() }
            else if key == "pe_imphash" || key == "imphash" { record.imphash = try scanner.readString() }
            else if key == "pdb_path" || key == "pdbpath" { record.pdbPath = try scanner.readString() }
            else if key == "pe_sections" || key == "sections" { record.sectionNames += try readStringField("name") }
            else if key == "pe_exports" || key == "exports" { record.exports += try readStringField("name") }
            else if key == "exported_dll_name" { if let name = try scanner.readString() { record.exports.insert(name, at: 0) } }
            else { try scanner.skipValue() }
        }
    }

    /// Cuckoo: `[{dll, imports: [{name}]}]`; CAPE: `{DLL: {dll, imports: [{name}]}}`.
    private mutating func readImports() throws(ScanFailure) {
        scanner.skipWhitespace()
        if scanner.p[0] == 0x7B {
            _ = try scanner.beginObject()
            var first = true
            while let key = try scanner.nextKey(&first) {
                let name = scanner.string(key)
                try readImportedLibrary(defaultName: name)
            }
        } else if try scanner.beginArray() {
            var first = true
            while try scanner.nextElement(&first) { try readImportedLibrary(defaultName: nil) }
        }
    }

    private mutating func readImportedLibrary(defaultName: String?) throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var dll: String?
        var functions: StringList = []
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "dll" { dll = try scanner.readString() }
            else if key == "imports" {
                guard try scanner.beginArray() else { continue }
                var firstImport = true
                while try scanner.nextElement(&firstImport) {
                    guard try scanner.beginObject() else { continue }
                    var firstField = true
                    while let k = try scanner.nextKey(&firstField) {
                        // Imports by ordinal have a null name: nothing to name them by.
                        if k == "name" { if let name = try scanner.readStringID() { functions.append(id: name) } } else { try scanner.skipValue() }
                    }
                }
            }
            else { try scanner.skipValue() }
        }
        if let name = dll ?? defaultName { record.imports.append(ImportedLibrary(dll: name, functions: functions)) }
    }

    private mutating func readTimestamp() throws(ScanFailure) {
        scanner.skipWhitespace()
        if scanner.p[0] == 0x22 {
            record.peTimestamp = try scanner.withStringBytes { parseTimestamp($0) } ?? nil
        } else {
            record.peTimestamp = try scanner.readInt()
        }
    }

    private mutating func readVersionInfo() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var name: String?
            var value: String?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "name" { name = try scanner.readString() }
                else if key == "value" { value = try scanner.readString() }
                else { try scanner.skipValue() }
            }
            if let name, let value { record.versionInfo.append(NameValue(name: name, value: value)) }
        }
    }

    private mutating func readResources() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "language" { if let s = try scanner.readStringID() { record.resourceLanguages.append(id: s) } }
                else if key == "name" { if let s = try scanner.readStringID() { record.resourceNames.append(id: s) } }
                else if key == "sublanguage" { if let s = try scanner.readStringID() { record.resourceSublanguages.append(id: s) } }
                else { try scanner.skipValue() }
            }
        }
    }

    /// CAPE's `guest_signers`: `aux_valid` is true for a valid Authenticode signature.
    private mutating func readGuestSigners() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "aux_valid" { if try scanner.readBool() == true { record.isSigned = true } } else { try scanner.skipValue() }
        }
    }

    /// Whether the value is an array with at least one element (skipped either way).
    private mutating func nonEmptyArray() throws(ScanFailure) -> Bool {
        guard try scanner.beginArray() else { return false }
        var first = true
        var count = 0
        while try scanner.nextElement(&first) {
            count += 1
            try scanner.skipValue()
        }
        return count > 0
    }
}
