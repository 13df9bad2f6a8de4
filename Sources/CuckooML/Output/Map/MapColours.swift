/// What a map's colours stand for.
public enum MapColouring: String, Sendable, CaseIterable {
    case cluster, label

    /// What `plot map` colours by unless told otherwise.
    public static let `default` = MapColouring.cluster
}

/// The map's colours: a 20-colour categorical palette without greys (grey means noise or no label),
/// then golden-angle hues for any further group.
enum MapColours {
    static let noise = "#9a9a9a"
    static let unlabelled = "#c4c4c4"
    static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f",
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#17becf", "#bcbd22", "#e377c2", "#8c564b", "#ff7f0e",
        "#393b79", "#637939",
    ]

    /// The colour of the `index`-th group (0-based).
    static func colour(_ index: Int) -> String {
        if index < palette.count { return palette[index] }
        let k = index - palette.count
        let hue = (Double(k) * 137.507_764).truncatingRemainder(dividingBy: 360)
        return hex(hue: hue, saturation: 0.65, lightness: k % 2 == 0 ? 0.42 : 0.58)
    }

    static func hex(hue: Double, saturation s: Double, lightness l: Double) -> String {
        let c = (1 - abs(2 * l - 1)) * s
        let h = hue / 60
        let x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double) = switch Int(h) {
        case 0: (c, x, 0)
        case 1: (x, c, 0)
        case 2: (0, c, x)
        case 3: (0, x, c)
        case 4: (x, 0, c)
        default: (c, 0, x)
        }
        let m = l - c / 2
        let digits = Array("0123456789abcdef")
        var out = "#"
        for v in [r, g, b] {
            let byte = max(0, min(255, Int(((v + m) * 255).rounded())))
            out.append(digits[byte >> 4]); out.append(digits[byte & 15])
        }
        return out
    }
}
