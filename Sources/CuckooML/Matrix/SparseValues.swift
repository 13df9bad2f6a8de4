/// The non-zero values of a `SparseMatrix`, in entry order.
///
/// Family and signature features are all 1, and a matrix of 100 000 samples holds ~15 million
/// entries: storing each 1 as a `Double` would be 8 of every entry's 12 bytes. So the values are
/// kept only once one differs from 1; until then this is just a count. Reading gives the same
/// `Double`s either way, and two value lists are equal when their elements are.
public struct SparseValues: RandomAccessCollection, MutableCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The values, or nil while every value is 1.
    private var stored: [Double]?
    private var ones = 0

    public init() {}

    public init(_ values: some Sequence<Double>) {
        for v in values { append(v) }
    }

    public init(arrayLiteral elements: Double...) { self.init(elements) }

    /// Whether every value is 1 (then none is stored).
    public var allOnes: Bool { stored == nil }

    public var startIndex: Int { 0 }
    public var endIndex: Int { stored?.count ?? ones }

    public subscript(position: Int) -> Double {
        get {
            guard let stored else {
                precondition(position >= 0 && position < ones, "index out of range")
                return 1
            }
            return stored[position]
        }
        set {
            if stored == nil {
                precondition(position >= 0 && position < ones, "index out of range")
                if newValue == 1 { return }
                materialise()
            }
            stored![position] = newValue
        }
    }

    public mutating func append(_ value: Double) {
        if stored == nil {
            if value == 1 { ones += 1; return }
            materialise()
        }
        stored!.append(value)
    }

    public mutating func append(contentsOf values: some Collection<Double>) {
        if let other = values as? SparseValues, other.allOnes, stored == nil {
            ones += other.ones
            return
        }
        if stored == nil, !values.allSatisfy({ $0 == 1 }) { materialise() }
        if stored == nil { ones += values.count } else { stored!.append(contentsOf: values) }
    }

    public mutating func removeLast(_ k: Int) {
        if stored == nil { precondition(k >= 0 && k <= ones, "cannot remove more values than held"); ones -= k }
        else { stored!.removeLast(k) }
    }

    public mutating func reserveCapacity(_ n: Int) { stored?.reserveCapacity(n) }

    /// Drops spare capacity (a chunk held until it is copied: see `FeatureBuilder`).
    mutating func fitStorage() {
        guard let values = stored, values.capacity > values.count else { return }
        stored = Array(values)
    }

    public static func == (a: SparseValues, b: SparseValues) -> Bool {
        if a.allOnes && b.allOnes { return a.ones == b.ones }
        return a.elementsEqual(b)
    }

    /// From here on every value is stored.
    private mutating func materialise() {
        var values = [Double](repeating: 1, count: ones)
        values.reserveCapacity(Swift.max(16, ones * 2))
        stored = values
        ones = 0
    }
}

extension SparseValues {
    /// Calls `body` with the values at `range` as contiguous `Double`s (for the distance kernels). All-ones
    /// values are read from a shared buffer of ones, so nothing is copied for rows of usual length.
    public func withContiguousValues<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= endIndex, "range out of bounds")
        if let stored { return try stored.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) } }
        if range.count <= onesBuffer.count { return try body(UnsafeBufferPointer(rebasing: onesBuffer[0..<range.count])) }
        let ones = [Double](repeating: 1, count: range.count)
        return try ones.withUnsafeBufferPointer(body)
    }
}

extension Slice where Base == SparseValues {
    /// The slice's values as contiguous `Double`s (see `SparseValues.withContiguousValues(_:_:)`).
    public func withContiguousValues<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try base.withContiguousValues(startIndex..<endIndex, body)
    }
}

/// 65 536 ones, made once and never written: the values of any all-ones row shorter than that.
nonisolated(unsafe) private let onesBuffer: UnsafeBufferPointer<Double> = {
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1 << 16)
    buffer.initialize(repeating: 1)
    return UnsafeBufferPointer(buffer)
}()
