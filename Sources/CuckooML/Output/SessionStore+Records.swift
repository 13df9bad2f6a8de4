#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Encoding the samples' records in blocks, and decoding them in blocks on two threads: at 100 000
/// samples they are most of the CPU time of `session save` and `session open`, and SQLite itself runs
/// on one thread.
extension SessionStore {
    /// Samples whose records are coded together.
    static let recordBlock = 1024

    /// Encodes the records of `samples`, in order, into `out`: a block of records at a time, each
    /// handed over as soon as it is done, their strings numbered in one table (one pass in sample
    /// order, so the table and the bytes do not depend on threads). Stops early (`complete` false)
    /// once `control` is cancelled or `stop` raised, checked a block at a time.
    static func encodeRecords(_ samples: [Sample], into out: EncodedRecords, control: TaskControl, stop: StopFlag) {
        defer { out.finish() }
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: samples.count, by: recordBlock) {
            if stop.isRaised || control.isCancelled() { return }
            var ends: [Int] = []
            ends.reserveCapacity(recordBlock)
            bytes.reserveCapacity(recordBlock * 1024)
            for k in start..<min(start + recordBlock, samples.count) {
                guard let record = samples[k].record else { ends.append(-1); continue }
                RecordCoding.encode(record, strings: out.strings, appendingTo: &bytes)
                ends.append(bytes.count)
            }
            out.hand(EncodedBlock(bytes: bytes, ends: ends))
            bytes = []
        }
        out.completed()
    }

    /// New distinct strings a record brings on average (generated corpora: ~22 at 30 000 and
    /// 100 000 reports), to size the string table once.
    static let expectedStringsPerRecord = 24

    /// Consecutive records' bytes back to back: record k ends at `ends[k]` (-1: sample k has none).
    struct EncodedBlock: Sendable {
        var bytes: [UInt8]
        var ends: [Int]
    }

    /// What `encodeRecords` makes on its thread: blocks handed to the thread writing them as they
    /// are done, and the string table, read only once the encoding thread has finished.
    final class EncodedRecords: @unchecked Sendable {
        let strings: RecordStringTableBuilder
        private let state = Locked(State())
        private struct State {
            var blocks: [EncodedBlock] = []
            var finished = false
            var complete = false
        }

        init(samples: [Sample]) {
            strings = RecordStringTableBuilder(expected: samples.count { $0.record != nil } * SessionStore.expectedStringsPerRecord)
        }

        fileprivate func hand(_ block: EncodedBlock) { state.withLock { $0.blocks.append(block) } }
        fileprivate func completed() { state.withLock { $0.complete = true } }
        fileprivate func finish() { state.withLock { $0.finished = true } }

        /// Whether every block was made (false: the encoding stopped early).
        var complete: Bool { state.withLock { $0.complete } }

        /// The next block, waiting for it; nil once the encoding has finished and every block is taken.
        func next() -> EncodedBlock? {
            while true {
                let (block, finished) = state.withLock { s -> (EncodedBlock?, Bool) in
                    s.blocks.isEmpty ? (nil, s.finished) : (s.blocks.removeFirst(), false)
                }
                if let block { return block }
                if finished { return nil }
                usleep(500)  // a block takes tens of milliseconds to encode
            }
        }
    }

    /// Tells a thread working alongside to stop (the other side failed).
    final class StopFlag: Sendable {
        private let raised = Atomic<Bool>(false)
        var isRaised: Bool { raised.load(ordering: .relaxed) }
        func raise() { raised.store(true, ordering: .relaxed) }
    }

    /// Why the record at `index` of a block could not be decoded.
    struct RecordFailure: Error {
        var index: Int
        var error: RecordCoding.DecodeError
    }

    /// Decodes encoded `blobs` into the records of `samples` (blob k is sample k's record; nil stays
    /// nil), in place, taking their strings from `strings` (the file's string table) or, for records
    /// older than the table, through `interners` (one per half). Throws the first failure in order,
    /// as decoding one record at a time would.
    static func decodeRecords(_ blobs: [[UInt8]?], into samples: UnsafeMutableBufferPointer<Sample>, strings: [String],
                              ids: [StringID], interners: [StringInterner]) throws(RecordFailure) {
        precondition(samples.count == blobs.count)
        var failures = [RecordFailure?](repeating: nil, count: 2)
        failures.withUnsafeMutableBufferPointer { failed in
            strings.withUnsafeBufferPointer { table in ids.withUnsafeBufferPointer { ids in
                let shared = DecodeTargets(samples: samples, failures: failed.baseAddress!, interners: interners, table: table, ids: ids)
                inHalves(blobs.count) { range in
                    let half = range.lowerBound == 0 ? 0 : 1
                    let interner = half == 0 ? shared.first : shared.second
                    for k in range {
                        guard let blob = blobs[k] else { continue }
                        switch blob.withUnsafeBytes({ decoded($0, shared.table, shared.ids, interner) }) {
                        case .success(let record): shared.samples[k].record = record
                        case .failure(let error):
                            shared.failures[half] = RecordFailure(index: k, error: error)
                            return
                        }
                    }
                }
            } }
        }
        // The first half's failure comes first in order.
        if let failure = failures[0] ?? failures[1] { throw failure }
    }

    private static func decoded(_ bytes: UnsafeRawBufferPointer, _ strings: UnsafeBufferPointer<String>, _ ids: UnsafeBufferPointer<StringID>,
                                _ interner: StringInterner) -> Result<ReportRecord, RecordCoding.DecodeError> {
        do throws(RecordCoding.DecodeError) {
            return .success(try RecordCoding.decode(bytes, strings: strings, ids: ids, interner: interner))
        } catch { return .failure(error) }
    }

    /// Runs `body` on the two halves of 0..<count, on two threads when there is enough to split.
    private static func inHalves(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count >= 64, Session.coreCount > 1 else { body(0..<count); return }
        let middle = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in body(part == 0 ? 0..<middle : middle..<count) }
    }

    /// Each thread writes only the samples of its own half and its own failure slot, and uses its own
    /// interner (an interner belongs to one thread); both only read the table.
    private struct DecodeTargets: @unchecked Sendable {
        let samples: UnsafeMutableBufferPointer<Sample>
        let failures: UnsafeMutablePointer<RecordFailure?>
        let first: StringInterner
        let second: StringInterner
        let table: UnsafeBufferPointer<String>
        let ids: UnsafeBufferPointer<StringID>
        init(samples: UnsafeMutableBufferPointer<Sample>, failures: UnsafeMutablePointer<RecordFailure?>,
             interners: [StringInterner], table: UnsafeBufferPointer<String>, ids: UnsafeBufferPointer<StringID>) {
            self.samples = samples
            self.failures = failures
            first = interners[0]
            second = interners.count > 1 ? interners[1] : interners[0]
            self.table = table
            self.ids = ids
        }
    }
}
