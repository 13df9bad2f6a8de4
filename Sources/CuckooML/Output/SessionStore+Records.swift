#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Encoding and decoding the samples' records in blocks on two threads: at 100 000 samples they are
/// most of the CPU time of `session save` and `session open`, and SQLite itself runs on one thread.
/// The bytes are the same as encoding one record at a time.
extension SessionStore {
    /// Samples whose records are coded together (a block's encoded records are a few MB).
    static let recordBlock = 1024

    /// The encoded records of `samples` (nil where a sample has none), in order.
    static func encodeRecords(_ samples: ArraySlice<Sample>) -> [[UInt8]?] {
        var out = [[UInt8]?](repeating: nil, count: samples.count)
        let base = samples.startIndex
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = EncodedSlots(base: buffer.baseAddress!)
            inHalves(samples.count) { range in
                for k in range { slots.base[k] = samples[base + k].record.map(RecordCoding.encode) }
            }
        }
        return out
    }

    /// Why the record at `index` of a block could not be decoded.
    struct RecordFailure: Error {
        var index: Int
        var error: RecordCoding.DecodeError
    }

    /// The records of encoded `blobs` (nil stays nil); `interners` has one interner per half.
    /// Throws the first failure in order, as decoding one record at a time would.
    static func decodeRecords(_ blobs: [[UInt8]?], interners: [StringInterner]) throws(RecordFailure) -> [ReportRecord?] {
        var out = [Result<ReportRecord?, RecordCoding.DecodeError>](repeating: .success(nil), count: blobs.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = DecodedSlots(base: buffer.baseAddress!)
            let shared = InternerPair(interners)
            inHalves(blobs.count) { range in
                let interner = range.lowerBound == 0 ? shared.first : shared.second
                for k in range {
                    guard let blob = blobs[k] else { continue }
                    slots.base[k] = blob.withUnsafeBytes { bytes in decoded(bytes, interner) }
                }
            }
        }
        var records: [ReportRecord?] = []
        records.reserveCapacity(out.count)
        for (k, result) in out.enumerated() {
            switch result {
            case .success(let record): records.append(record)
            case .failure(let error): throw RecordFailure(index: k, error: error)
            }
        }
        return records
    }

    private static func decoded(_ bytes: UnsafeRawBufferPointer, _ interner: StringInterner) -> Result<ReportRecord?, RecordCoding.DecodeError> {
        do throws(RecordCoding.DecodeError) { return .success(try RecordCoding.decode(bytes, interner: interner)) } catch { return .failure(error) }
    }

    /// Runs `body` on the two halves of 0..<count, on two threads when there is enough to split.
    private static func inHalves(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count >= 64, Session.coreCount > 1 else { body(0..<count); return }
        let middle = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in body(part == 0 ? 0..<middle : middle..<count) }
    }

    /// Each thread writes only the slots of its own half.
    private struct EncodedSlots: @unchecked Sendable { let base: UnsafeMutablePointer<[UInt8]?> }
    private struct DecodedSlots: @unchecked Sendable { let base: UnsafeMutablePointer<Result<ReportRecord?, RecordCoding.DecodeError>> }
    /// Each half uses its own interner (an interner belongs to one thread).
    private struct InternerPair: @unchecked Sendable {
        let first: StringInterner
        let second: StringInterner
        init(_ interners: [StringInterner]) { first = interners[0]; second = interners.count > 1 ? interners[1] : interners[0] }
    }
}
