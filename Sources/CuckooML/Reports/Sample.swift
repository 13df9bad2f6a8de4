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
