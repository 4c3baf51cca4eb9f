/// Summaries of measured samples. A few hundred latency samples are sorted outright: no histogram needed.
struct Percentiles: Sendable {
    let sorted: [Double]

    init(_ samples: [Double]) {
        sorted = samples.sorted()
    }

    var count: Int { sorted.count }

    /// Nearest-rank percentile (p in 0...100): the smallest sample with at least p % of the samples at or below it.
    func value(at p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var p50: Double { value(at: 50) }
    var p90: Double { value(at: 90) }
    var p99: Double { value(at: 99) }
    var maximum: Double { sorted.last ?? .nan }

    /// "p50 12.3 ms, p90 …, p99 …, max …" for samples in seconds.
    var millisecondsSummary: String {
        "p50 \(Fmt.ms(p50)), p90 \(Fmt.ms(p90)), p99 \(Fmt.ms(p99)), max \(Fmt.ms(maximum))"
    }
}

/// Number formatting shared by the benchmarks' tables.
enum Fmt {
    static func fixed(_ value: Double, _ digits: Int = 1) -> String {
        guard value.isFinite else { return "n/a" }
        return String(format: "%.\(digits)f", value)
    }

    static func ms(_ seconds: Double) -> String { fixed(seconds * 1000, seconds < 0.01 ? 2 : 1) + " ms" }

    static func ratio(_ value: Double) -> String { fixed(value, 2) }

    /// 1234567 -> "1.23 M", 12345 -> "12.3 k".
    static func si(_ value: Double) -> String {
        switch value {
        case 1e6...: return fixed(value / 1e6, 2) + " M"
        case 1e4...: return fixed(value / 1e3, 1) + " k"
        default: return fixed(value, 0)
        }
    }
}

/// Ordinary least squares over (x, y) points: the slope of the best straight line (nan with fewer than two
/// distinct x). Used for RSS growth over a soak, where one reading is noise and the trend is the figure.
func leastSquaresSlope(_ points: [(x: Double, y: Double)]) -> Double {
    let n = Double(points.count)
    let meanX = points.reduce(0) { $0 + $1.x } / n
    let meanY = points.reduce(0) { $0 + $1.y } / n
    let spread = points.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
    guard points.count >= 2, spread > 0 else { return .nan }
    return points.reduce(0) { $0 + ($1.x - meanX) * ($1.y - meanY) } / spread
}
