import CBitKernels

/// How a tile of integer-count distances is computed (`IntCountRows`, `IntByteRows`): every kernel gives
/// the same integers, so the silhouette, the k-NN and the spanning tree are the same to the bit
/// whichever runs; the choice is speed only.
enum IntTileKernel: CaseIterable, Sendable {
    /// `cik_tile`, portable.
    case plain
    /// `cik_tile`'s vectors: 16-bit differences, 32 columns per three instructions on AVX-512BW, 16 on
    /// AVX2.
    case differences
    /// `cid_tile` on AVX-512 VNNI (euclidean only): byte dot products, 64 columns per instruction.
    case dotProducts
    /// `cid_word_tile` on AVX2 (euclidean only): 16-bit dot products, 16 columns per instruction,
    /// for CPUs without AVX-512 (most laptops).
    case wordDotProducts

    static let wordAvailable = cid_word_available() != 0

    /// The kernels this CPU runs.
    static var available: [IntTileKernel] {
        [.plain] + (IntCountRows.tileVectorAvailable ? [.differences] : []) + (IntByteRows.available ? [.dotProducts] : [])
            + (wordAvailable ? [.wordDotProducts] : [])
    }

    /// Whether the kernel computes euclidean distances only.
    var euclideanOnly: Bool { self == .dotProducts || self == .wordDotProducts }

    /// The fastest this CPU runs for `metric`.
    static func best(for metric: DistanceMetric) -> IntTileKernel {
        if metric == .euclidean && IntByteRows.available { return .dotProducts }
        if IntCountRows.vectorAvailable { return .differences }
        if metric == .euclidean && wordAvailable { return .wordDotProducts }
        return IntCountRows.tileVectorAvailable ? .differences : .plain
    }
}
