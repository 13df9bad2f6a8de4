/// numpy's legacy `RandomState(seed).permutation(n)`, the draw behind scikit-learn's
/// `silhouette_score(..., sample_size=N, random_state=seed)`: MT19937 seeded by `init_genrand(seed)`,
/// then a Fisher–Yates shuffle of 0..<n from the end, each index drawn by numpy's `random_interval`
/// (32-bit draws masked to the bound's bit width, redrawn while above it).
///
/// Why here: a sampled silhouette is only comparable with scikit-learn's when the same rows are drawn.
struct NumpyPermutation {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
    }

    private mutating func next() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7FFF_FFFF)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in 0...bound (bound < 2³²), as numpy's `random_interval`.
    private mutating func interval(_ bound: UInt32) -> UInt32 {
        if bound == 0 { return 0 }
        var mask = bound
        for shift: UInt32 in [1, 2, 4, 8, 16] { mask |= mask >> shift }
        while true {
            let value = next() & mask
            if value <= bound { return value }
        }
    }

    /// `RandomState(seed).permutation(count)`; `count` < 2³².
    static func permutation(count: Int, seed: UInt32) -> [Int] {
        precondition(count >= 0 && count <= Int(UInt32.max), "permutation of at most 2^32 - 1 items")
        var generator = NumpyPermutation(seed: seed)
        var items = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = Int(generator.interval(UInt32(i)))
            items.swapAt(i, j)
            i -= 1
        }
        return items
    }
}
