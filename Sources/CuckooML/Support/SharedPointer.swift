/// A raw pointer shared between the threads of one parallel phase, each touching disjoint parts.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
