import Testing
@testable import CuckooML

/// The sampled silhouette (`assess sample=N seed=S`): numpy's legacy permutation and scikit-learn's
/// `silhouette_score(X, labels, sample_size=N, random_state=S)`, values from the oracle venv
/// (numpy 2, scikit-learn 1.9.1) on the data below.
@Suite struct SilhouetteSampleTests {
    @Test func numpyPermutation() {
        #expect(NumpyPermutation.permutation(count: 10, seed: 0) == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
        #expect(Array(NumpyPermutation.permutation(count: 1_000, seed: 42).prefix(6)) == [521, 737, 740, 660, 411, 678])
        #expect(Array(NumpyPermutation.permutation(count: 100_000, seed: 4_294_967_295).prefix(4))
                == [85117, 19600, 4648, 56853])
        #expect(NumpyPermutation.permutation(count: 1, seed: 3) == [0])
        #expect(NumpyPermutation.permutation(count: 0, seed: 3) == [])
    }

    /// X[i][c] = (7i + 13c + (i·c mod 5)) mod 11 over 60 rows and 3 columns; label (5i mod 4), −1 less
    /// for every ninth row.
    static func data() -> (PointSet, [Int]) {
        let n = 60, d = 3
        var values: [Double] = []
        for i in 0..<n { for c in 0..<d { values.append(Double((i * 7 + c * 13 + (i * c) % 5) % 11)) } }
        let labels = (0..<n).map { (i: Int) -> Int in (i * 5) % 4 - (i % 9 == 0 ? 1 : 0) }
        return (.dense(DenseMatrix(rows: n, columns: d, values: values)), labels)
    }

    @Test(arguments: [(20, 0, -0.2059772886313218), (35, 7, -0.20875491949980005), (60, 3, -0.1320971751729962),
                      (100, 1, -0.13209717517299624)])
    func equalsScikitLearn(size: Int, seed: Int, expected: Double) throws {
        let (points, labels) = Self.data()
        let got = try #require(try Silhouette.score(points: points, labels: labels, metric: .euclidean,
                                                    sample: SilhouetteSample(size: size, seed: UInt32(seed))))
        #expect(abs(got - expected) <= 1e-9, "sample \(size) seed \(seed): \(got) != \(expected)")
    }

    @Test func assessmentSaysItSampled() throws {
        let (points, labels) = Self.data()
        let truth = labels.map { "family\($0 & 1)" }
        let exact = try #require(try Assessment.assess(truth: truth, predicted: labels, points: points, metric: .euclidean))
        #expect(exact.silhouetteSample == nil)
        #expect(abs(try #require(exact.silhouette) - -0.13209717517299627) <= 1e-9)
        let sample = SilhouetteSample(size: 35, seed: 7)
        let sampled = try #require(try Assessment.assess(truth: truth, predicted: labels, points: points, metric: .euclidean,
                                                         silhouetteSample: sample))
        #expect(sampled.silhouetteSample == sample)
        #expect(abs(try #require(sampled.silhouette) - -0.20875491949980005) <= 1e-9)
        #expect(sampled.scores == exact.scores)
    }
}
