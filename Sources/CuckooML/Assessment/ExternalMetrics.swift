#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scores of a clustering against ground-truth labels, each as scikit-learn 1.9.1 computes it (the
/// Malheur measures follow Rieck et al. 2011). All read the same contingency table.
public struct ExternalScores: Sendable, Equatable {
    public var adjustedRandIndex: Double
    /// Adjusted mutual information normalised by max(H(true), H(pred)): scikit-learn 0.17's choice.
    public var adjustedMutualInformationMax: Double
    /// Adjusted mutual information normalised by the arithmetic mean of the entropies (today's default).
    public var adjustedMutualInformationArithmetic: Double
    public var homogeneity: Double
    public var completeness: Double
    public var vMeasure: Double
    public var fowlkesMallows: Double
    /// Malheur precision: Σ over clusters of its most common label's count, over n.
    public var precision: Double
    /// Malheur recall: Σ over labels of its largest count in one cluster, over n.
    public var recall: Double
    /// Harmonic mean of precision and recall (0 when both are 0).
    public var fMeasure: Double

    public init(_ table: Contingency) {
        adjustedRandIndex = ExternalMetrics.adjustedRandIndex(table)
        adjustedMutualInformationMax = ExternalMetrics.adjustedMutualInformation(table, average: .max)
        adjustedMutualInformationArithmetic = ExternalMetrics.adjustedMutualInformation(table, average: .arithmetic)
        (homogeneity, completeness, vMeasure) = ExternalMetrics.homogeneityCompletenessVMeasure(table)
        fowlkesMallows = ExternalMetrics.fowlkesMallows(table)
        (precision, recall, fMeasure) = ExternalMetrics.malheur(table)
    }
}

/// The external clustering metrics, term by term as scikit-learn's `_supervised.py` writes them so the
/// results agree to rounding.
public enum ExternalMetrics {
    public enum Average: Sendable { case max, arithmetic }

    /// Adjusted Rand index from the pair confusion matrix (exact integer counts, as Python's ints).
    public static func adjustedRandIndex(_ t: Contingency) -> Double {
        let n = Int128(t.sampleCount)
        var sumSquares: Int128 = 0, byCluster: Int128 = 0, byClass: Int128 = 0
        for cell in t.cells {
            let c = Int128(cell.count)
            sumSquares += c * c
            byCluster += c * Int128(t.clusterSizes[cell.column])
            byClass += c * Int128(t.classSizes[cell.row])
        }
        let tp = sumSquares - n
        let fp = byCluster - sumSquares
        let fn = byClass - sumSquares
        let tn = n * n - fp - fn - sumSquares
        if fn == 0 && fp == 0 { return 1 }
        let numerator = tp * tn - fn * fp
        let denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
        return 2.0 * Double(numerator) / Double(denominator)
    }

    /// Entropy (natural log) of a labelling given its group sizes, as `_entropy`.
    public static func entropy(_ sizes: [Int]) -> Double {
        if sizes.isEmpty { return 1 }
        if sizes.count == 1 { return 0 }
        let total = Double(sizes.reduce(0, +))
        let logTotal = log(total)
        var sum = 0.0
        for s in sizes {
            let p = Double(s)
            sum += p / total * (log(p) - logTotal)
        }
        return -sum
    }

    /// Mutual information (nats), as `mutual_info_score` on a contingency table.
    public static func mutualInformation(_ t: Contingency) -> Double {
        if t.classSizes.count == 1 || t.clusterSizes.count == 1 { return 0 }
        let total = Double(t.sampleCount)
        let logTotal = log(total)
        // log(pi.sum()) + log(pj.sum()): both sums are n.
        let logSums = log(total) + log(total)
        var mi = 0.0
        for cell in t.cells {
            let nij = Double(cell.count)
            let share = nij / total
            let outer = Int64(t.classSizes[cell.row]) * Int64(t.clusterSizes[cell.column])
            let logOuter = -log(Double(outer)) + logSums
            let term = share * (log(nij) - logTotal) + share * logOuter
            if abs(term) >= Double.ulpOfOne { mi += term }
        }
        return max(mi, 0)
    }

    /// Expected mutual information under the hypergeometric model, computed exactly as scikit-learn's
    /// `_expected_mutual_info_fast.pyx` (log-gamma terms, same loop bounds).
    public static func expectedMutualInformation(_ t: Contingency) -> Double {
        let a = t.classSizes, b = t.clusterSizes
        if a.count == 1 || b.count == 1 { return 0 }
        let n = t.sampleCount
        let nd = Double(n)
        let maxNij = max(a.max()!, b.max()!)
        var term1 = [Double](repeating: 0, count: maxNij + 1)
        var logNnij = [Double](repeating: 0, count: maxNij + 1)
        var glnNnij = [Double](repeating: 0, count: maxNij + 1)
        let logN = log(nd)
        let glnNplus1 = logGamma(nd + 1)
        for k in 0...maxNij {
            let nij = k == 0 ? 1.0 : Double(k)  // nijs[0] = 1, never used
            term1[k] = nij / nd
            logNnij[k] = logN + log(nij)
            glnNnij[k] = logGamma(nij + 1) + glnNplus1
        }
        let logA = a.map { log(Double($0)) }, logB = b.map { log(Double($0)) }
        let glnA = a.map { logGamma(Double($0) + 1) }, glnB = b.map { logGamma(Double($0) + 1) }
        let glnNa = a.map { logGamma(Double(n - $0) + 1) }, glnNb = b.map { logGamma(Double(n - $0) + 1) }
        var emi = 0.0
        for i in a.indices {
            for j in b.indices {
                let start = max(1, a[i] - n + b[j])
                let end = min(a[i], b[j]) + 1
                guard start < end else { continue }
                for nij in start..<end {
                    let term2 = logNnij[nij] - logA[i] - logB[j]
                    // Same left-to-right order as the .pyx: numerators are positive, denominators negative.
                    var gln: Double = glnA[i] + glnB[j]
                    gln += glnNa[i]
                    gln += glnNb[j]
                    gln -= glnNnij[nij]
                    gln -= logGamma(Double(a[i] - nij + 1))
                    gln -= logGamma(Double(b[j] - nij + 1))
                    gln -= logGamma(Double(n - a[i] - b[j] + nij + 1))
                    emi += term1[nij] * term2 * exp(gln)
                }
            }
        }
        return emi
    }

    /// Adjusted mutual information, `adjusted_mutual_info_score(average_method=...)`.
    public static func adjustedMutualInformation(_ t: Contingency, average: Average) -> Double {
        let classes = t.classSizes.count, clusters = t.clusterSizes.count
        if (classes == 1 && clusters == 1) || (classes == 0 && clusters == 0) { return 1 }
        if classes == 1 || clusters == 1 { return 0 }
        let mi = mutualInformation(t)
        let emi = expectedMutualInformation(t)
        let hTrue = entropy(t.classSizes), hPred = entropy(t.clusterSizes)
        let normaliser: Double
        switch average {
        case .max: normaliser = max(hTrue, hPred)
        case .arithmetic: normaliser = (hTrue + hPred) / 2
        }
        let eps = Double.ulpOfOne
        var denominator = normaliser - emi
        denominator = denominator < 0 ? min(denominator, -eps) : max(denominator, eps)
        var numerator = mi - emi
        numerator = numerator < 0 ? min(numerator, -eps) : max(numerator, eps)
        return numerator / denominator
    }

    /// Homogeneity, completeness and V-measure (beta = 1).
    public static func homogeneityCompletenessVMeasure(_ t: Contingency) -> (Double, Double, Double) {
        if t.sampleCount == 0 { return (1, 1, 1) }
        let hC = entropy(t.classSizes), hK = entropy(t.clusterSizes)
        let mi = mutualInformation(t)
        let homogeneity = hC != 0 ? mi / hC : 1
        let completeness = hK != 0 ? mi / hK : 1
        let v = homogeneity + completeness == 0 ? 0 : 2 * homogeneity * completeness / (homogeneity + completeness)
        return (homogeneity, completeness, v)
    }

    /// Fowlkes–Mallows index, `sqrt(tk/pk) * sqrt(tk/qk)`.
    public static func fowlkesMallows(_ t: Contingency) -> Double {
        let n = Int64(t.sampleCount)
        var tk: Int64 = -n, pk: Int64 = -n, qk: Int64 = -n
        for cell in t.cells { tk += Int64(cell.count) * Int64(cell.count) }
        for s in t.clusterSizes { pk += Int64(s) * Int64(s) }
        for s in t.classSizes { qk += Int64(s) * Int64(s) }
        if tk == 0 { return 0 }
        return (Double(tk) / Double(pk)).squareRoot() * (Double(tk) / Double(qk)).squareRoot()
    }

    /// Malheur's cluster precision, recall and F-measure. Every predicted label is a cluster here,
    /// noise (−1) included: callers decide whether noise stays (as one cluster) or is dropped first.
    public static func malheur(_ t: Contingency) -> (precision: Double, recall: Double, fMeasure: Double) {
        guard t.sampleCount > 0 else { return (0, 0, 0) }
        var bestPerCluster = [Int](repeating: 0, count: t.clusterSizes.count)
        var bestPerClass = [Int](repeating: 0, count: t.classSizes.count)
        for cell in t.cells {
            bestPerCluster[cell.column] = max(bestPerCluster[cell.column], cell.count)
            bestPerClass[cell.row] = max(bestPerClass[cell.row], cell.count)
        }
        let n = Double(t.sampleCount)
        let precision = Double(bestPerCluster.reduce(0, +)) / n
        let recall = Double(bestPerClass.reduce(0, +)) / n
        let f = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        return (precision, recall, f)
    }
}


/// ln Γ(x) from the C library (what the `.pyx` calls; SciPy's `gammaln` agrees to rounding).
@inline(__always)
private func logGamma(_ x: Double) -> Double {
    let value: Double = lgamma(x)
    return value
}
