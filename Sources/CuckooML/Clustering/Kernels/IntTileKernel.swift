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
    /// `cib_tile` on AVX2, also run where the CPU has AVX-512 (euclidean only, every value at most 127):
    /// binary columns as bits (popcounts of the xor), the others as bytes (`vpmaddubsw`, 32 products per
    /// instruction). A third of the memory of the byte rows on the 2016 features, a sixth of the 16-bit
    /// rows, which Prim's scan reads whole at every step.
    case bitsAndBytes

    static let wordAvailable = cid_word_available() != 0
    static let bitsAndBytesAvailable = IntByteRows.bitsAndBytesAvailable

    /// The kernels this CPU runs.
    static var available: [IntTileKernel] {
        [.plain] + (IntCountRows.tileVectorAvailable ? [.differences] : []) + (IntByteRows.available ? [.dotProducts] : [])
            + (wordAvailable ? [.wordDotProducts] : []) + (bitsAndBytesAvailable ? [.bitsAndBytes] : [])
    }

    /// Whether the kernel computes euclidean distances only.
    var euclideanOnly: Bool { self == .dotProducts || self == .wordDotProducts || self == .bitsAndBytes }

    /// Whether the kernel reads byte rows (`IntByteRows`) rather than 16-bit pairs (`IntCountRows`).
    var readsBytes: Bool { self == .dotProducts || self == .bitsAndBytes }

    /// The fastest this CPU runs for `metric`.
    static func best(for metric: DistanceMetric) -> IntTileKernel {
        if metric == .euclidean && IntByteRows.available { return .dotProducts }
        if IntCountRows.vectorAvailable { return .differences }
        if metric == .euclidean && wordAvailable { return .wordDotProducts }
        return IntCountRows.tileVectorAvailable ? .differences : .plain
    }

    /// The fastest this CPU runs for `metric` on `points`: the bits and bytes whenever every value is at
    /// most 127 (the filtered 2016 features reach 67), else `best(for:)`. They win on AVX-512 too: the
    /// k-NN and Prim's scan read every row again and again, and rows a third the size of the byte rows
    /// stay in the cache where the byte rows come from memory. On an Intel Xeon with AVX-512 VNNI,
    /// `cluster hdbscan 1 6` on the filtered features of 100 000 generated reports took 76 CPU-s with
    /// them against 175 with the VNNI byte products (10 000: 0.5 against 0.9).
    static func best(for metric: DistanceMetric, points: PointSet) -> IntTileKernel {
        chosen(nil, for: metric, points: points)
    }

    /// The fastest for the silhouette on `points`, which reads the rows tile by tile rather than all of
    /// them at every step, so it is bound by arithmetic where the CPU has VNNI: the VNNI byte products
    /// there, else `best(for:points:)`. `assess` at 100 000 generated reports (Intel Xeon): VNNI 20-21
    /// CPU-s against 25 with the bits and bytes; with AVX-512 off, the bits and bytes 28-31 against 54-59
    /// with the 16-bit dot products.
    static func bestForSilhouette(_ metric: DistanceMetric, points: PointSet) -> IntTileKernel {
        let best = best(for: metric)
        return best == .dotProducts ? best : self.best(for: metric, points: points)
    }

    /// `kernel` where it runs on `points` (the bits and bytes need every value at most 127), else the
    /// 16-bit differences, which give the same integers.
    static func runnable(_ kernel: IntTileKernel, on points: PointSet) -> IntTileKernel {
        kernel == .bitsAndBytes && !IntByteRows.small(points) ? .differences : kernel
    }

    /// `requested` where it runs on `points` (`runnable`), or when nil the fastest there
    /// (`best(for:points:)`), which runs by construction: the values are scanned for the 127 cap at most
    /// once (a pass over every value of the rows, 100 000 × 338 at the scale of issue 15).
    static func chosen(_ requested: IntTileKernel?, for metric: DistanceMetric, points: PointSet) -> IntTileKernel {
        if let requested { return runnable(requested, on: points) }
        guard metric == .euclidean, bitsAndBytesAvailable, IntByteRows.small(points) else { return best(for: metric) }
        return .bitsAndBytes
    }
}
