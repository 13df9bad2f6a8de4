import CBitKernels

/// Which code runs the bit engine's integer k-NN and Prim. Every choice gives the same results.
enum BitKernelChoice: Sendable {
    /// The Swift loops (with the block bounds for wide rows).
    case swift
    /// The kernels of `CBitKernels` on their portable path (any CPU).
    case portable
    /// The kernels of `CBitKernels` on their AVX-512 VPOPCNTDQ path; the portable path where the CPU
    /// lacks it.
    case vector

    /// The fastest choice on this CPU: the vector kernels where they run, else the Swift loops.
    static let best: BitKernelChoice = vectorsAvailable ? .vector : .swift

    /// Whether this CPU runs the kernels' vector paths (x86-64 with AVX-512F, VL, DQ and VPOPCNTDQ).
    static let vectorsAvailable = cbk_vector_available() != 0

    /// Whether the kernels of `CBitKernels` run.
    var usesKernels: Bool { self != .swift }

    /// The kernels' `vector` argument.
    var vectorFlag: Int32 { self == .vector && Self.vectorsAvailable ? 1 : 0 }
}
