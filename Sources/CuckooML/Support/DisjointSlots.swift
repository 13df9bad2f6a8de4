/// One value per index, written by parallel workers that each own their indices (`runTasks`), read after
/// every worker has finished. A raw buffer, not an array: two threads writing elements of one `var`
/// array both hold a modifying access to it at once, a data race to Swift (and TSan) even when the
/// elements differ.
final class DisjointSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value>

    init(_ count: Int, initial: (Int) -> Value) {
        storage = .allocate(capacity: count)
        for i in 0..<count { storage.initializeElement(at: i, to: initial(i)) }
    }

    convenience init(_ count: Int, repeating value: Value) { self.init(count) { _ in value } }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    subscript(i: Int) -> Value {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    /// Moves slot `i`'s value out, leaving `empty` in its place: no copy (for a record, no retain and
    /// release of each of its lists).
    func take(_ i: Int, leaving empty: Value) -> Value {
        let slot = storage.baseAddress! + i
        let value = slot.move()
        slot.initialize(to: empty)
        return value
    }

    var values: [Value] { Array(storage) }
}
