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

    /// The fastest choice on this CPU: the vector kernels where they run, else the kernels' popcnt path
    /// (chosen at run time), else the Swift loops. The package sets no CPU flags (so that it can be a
    /// dependency), and for the baseline x86-64 target Swift's `nonzeroBitCount` is a dozen instructions,
    /// not `popcnt`; elsewhere (arm64) it is one instruction and the Swift loops stay.
    static let best: BitKernelChoice = vectorsAvailable ? .vector : cbk_popcnt_available() != 0 ? .portable : .swift

    /// Whether this CPU runs the kernels' vector paths (x86-64 with AVX-512F, VL, DQ and VPOPCNTDQ).
    static let vectorsAvailable = cbk_vector_available() != 0

    /// Why `best` is what it is on this CPU (for the engine plan).
    var reason: String {
        switch self {
        case .vector: Self.vectorsAvailable ? "AVX-512 VPOPCNTDQ" : "asked for, portable path: no AVX-512 VPOPCNTDQ"
        case .portable: "popcnt at run time"
        case .swift: "the Swift loops"
        }
    }

    /// Whether the kernels of `CBitKernels` run.
    var usesKernels: Bool { self != .swift }

    /// The kernels' `vector` argument.
    var vectorFlag: Int32 { self == .vector && Self.vectorsAvailable ? 1 : 0 }
}
