/// One analysed sample: where its report came from and what was extracted from it.
public struct Sample: Sendable, Equatable {
    /// The report's file name without `.json` (or the row id of an imported matrix).
    public var id: String
    /// The report file it was read from; nil for rows of an imported matrix.
    public var path: String?
    /// Size of the report file in bytes.
    public var reportSize: Int
    public var record: ReportRecord?

    public init(id: String, path: String?, reportSize: Int, record: ReportRecord?) {
        self.id = id
        self.path = path
        self.reportSize = reportSize
        self.record = record
    }

    public var md5: String? { record?.md5 }
    public var sha256: String? { record?.sha256 }
}

extension [Sample] {
    /// The rows whose sample has a record. `samples[i].record != nil` copies the record out of the
    /// array (a retain and a release of each of its arrays and strings: some 0.1 CPU-seconds over
    /// 100 000 samples, each time `compare` asks); a field of it (`dialect`, an enum) is read in place.
    func rowsWithRecords() -> [Int] {
        indices.filter { self[$0].record?.dialect != nil }
    }
}
