import CBitKernels
import Testing
@testable import CuckooML

/// Prim's update step over integer keys (`cip_update`, `IntPrim.scan`): both paths give the updates and
/// the least key of the definition, on ranges that start and end anywhere in a vector, with unreached
/// slots (+∞), ties of best (broken by the original index) and distances at the top of the `Int32` range.
/// And the k-NN's offers of a tile to the lists (`cip_offer_tile`, `IntNearest`): both paths give the
/// lists of the definition for k = 1 (plain minima) and larger k, on and off the diagonal.
@Suite struct IntPrimUpdateTests {
    struct State: Equatable {
        var best: [UInt32], source: [Int32], minKey: UInt64, minSlot: Int64
    }

    /// The definition: mr = max(d, core(s), core(cur)) replaces best(s) when smaller; the least
    /// (best, index) of the range.
    static func reference(_ d: [Int32], first: Int, range: Range<Int>, best: [UInt32], index: [UInt32], core: [UInt32],
                          source: [Int32], coreCur: UInt32, curIndex: Int32) -> State {
        var best = best, source = source
        var minKey = UInt64.max, minSlot: Int64 = -1
        for s in range {
            let mr = max(UInt32(bitPattern: d[s - first]), core[s], coreCur)
            if mr < best[s] { best[s] = mr; source[s] = curIndex }
            let key = UInt64(best[s]) << 32 | UInt64(index[s])
            if key < minKey { minKey = key; minSlot = Int64(s) }
        }
        return State(best: best, source: source, minKey: minKey, minSlot: minSlot)
    }

    @Test(arguments: [0, 1], [(0, 0), (0, 1), (0, 8), (3, 11), (5, 64), (1, 203), (16, 512)])
    func updateEqualsTheDefinition(vector: Int32, range: (Int, Int)) {
        var r = EngineReference.Random(seed: UInt64(range.0 * 1_000 + range.1))
        let n = 520, first = 0
        // Few distinct values, so ties of best are common; some slots unreached, some distances huge.
        let d = (0..<n).map { _ in r.chance(0.05) ? Int32.max - Int32(r.below(3)) : Int32(r.below(12)) }
        let best = (0..<n).map { _ in r.chance(0.3) ? UInt32.max : UInt32(r.below(12)) }
        let index = (0..<n).map { UInt32(($0 * 7_919) % 1_021) }
        let core = (0..<n).map { _ in UInt32(r.below(8)) }
        let source = (0..<n).map { Int32($0) }
        for coreCur: UInt32 in [0, 5, 11] {
            let lo = range.0, hi = range.1
            let expected = Self.reference(d, first: first, range: lo..<hi, best: best, index: index, core: core,
                                          source: source, coreCur: coreCur, curIndex: -7)
            var got = State(best: best, source: source, minKey: .max, minSlot: -1)
            got.best.withUnsafeMutableBufferPointer { b in
                got.source.withUnsafeMutableBufferPointer { s in
                    cip_update_path(d, Int64(first), Int64(lo), Int64(hi), b.baseAddress!, index, core, s.baseAddress!,
                                    coreCur, -7, &got.minKey, &got.minSlot, vector)
                }
            }
            #expect(got == expected, "vector \(vector), range \(lo)..<\(hi), core \(coreCur)")
        }
        // Outside the range nothing changes, and an empty range finds nothing.
        if range.0 == range.1 {
            var minKey = UInt64.max, minSlot: Int64 = -1
            var b = best, s = source
            cip_update_path(d, 0, 4, 4, &b, index, core, &s, 0, 0, &minKey, &minSlot, vector)
            #expect(minSlot == -1 && minKey == .max && b == best && s == source)
        }
    }

    /// A least key already found (an earlier block of the scan) is kept unless the range beats it.
    @Test(arguments: [0, 1] as [Int32])
    func keepsAnEarlierMinimum(vector: Int32) {
        let d: [Int32] = Array(repeating: 9, count: 16)
        var best = [UInt32](repeating: .max, count: 16), source = [Int32](repeating: 0, count: 16)
        let index = (0..<16).map { UInt32(100 + $0) }, core = [UInt32](repeating: 0, count: 16)
        var minKey = UInt64(9) << 32 | 50, minSlot: Int64 = 99
        cip_update_path(d, 0, 0, 16, &best, index, core, &source, 0, 3, &minKey, &minSlot, vector)
        #expect(minKey == UInt64(9) << 32 | 50 && minSlot == 99)
        #expect(best == [UInt32](repeating: 9, count: 16) && source == [Int32](repeating: 3, count: 16))
        minKey = UInt64(10) << 32
        minSlot = 99
        cip_update_path(d, 0, 0, 16, &best, index, core, &source, 0, 3, &minKey, &minSlot, vector)
        #expect(minKey == UInt64(9) << 32 | 100 && minSlot == 0)
    }

    /// Each list's k smallest values of the offers, ascending, `Int32.max` for none.
    static func referenceLists(_ out: [Int32], stride: Int, a: Range<Int>, b: Range<Int>, same: Bool, lists: [Int32],
                               k: Int) -> [Int32] {
        var lists = lists
        func offer(_ p: Int, _ v: Int32) {
            var l = Array(lists[(p * k)..<(p * k + k)]) + [v]
            l.sort()
            lists.replaceSubrange((p * k)..<(p * k + k), with: l.prefix(k))
        }
        for i in a {
            for j in b where !same || j > i {
                let v = out[(i - a.lowerBound) * stride + (j - b.lowerBound)]
                offer(i, v)
                offer(j, v)
            }
        }
        return lists
    }

    @Test(arguments: [0, 1] as [Int32], [1, 2, 6])
    func offersEqualTheDefinition(vector: Int32, k: Int) {
        var r = EngineReference.Random(seed: UInt64(k * 31 + Int(vector)))
        let n = 90, stride = 48
        // Lists from earlier tiles: some full, some empty; values with many ties.
        var lists = [Int32](repeating: .max, count: n * k)
        for p in 0..<n where r.chance(0.5) {
            let l = (0..<k).map { _ in Int32(r.below(20)) }.sorted()
            lists.replaceSubrange((p * k)..<(p * k + k), with: l)
        }
        for (a, b, same) in [(0..<37, 0..<37, true), (3..<40, 41..<88, false), (40..<41, 50..<59, false),
                             (60..<90, 60..<90, true)] {
            let out = (0..<(a.count * stride)).map { _ in r.chance(0.02) ? Int32.max - 1 : Int32(r.below(25)) }
            let expected = Self.referenceLists(out, stride: stride, a: a, b: b, same: same, lists: lists, k: k)
            cip_offer_tile(out, Int64(stride), Int64(a.lowerBound), Int64(a.upperBound), Int64(b.lowerBound),
                           Int64(b.upperBound), same ? 1 : 0, &lists, Int64(k), vector)
            #expect(lists == expected, "rows \(a), slots \(b), k \(k), vector \(vector)")
        }
    }
}
