/// When a continuous oximeter's stream (PLX Continuous 0x2A5F, about a sample a second) is settled enough to
/// report (`continuous_settling` in a profile). The first seconds after a finger goes in are often wrong (an
/// 82 % that becomes a steady 96 %): the gateway reports the median over a trailing `windowSeconds` of samples
/// that carry no status saying the value is early, questionable or the signal poor, numbering at least
/// `minimumSamples`, whose SpO2 lies within `maximumSpread` percentage points. A real low value is as stable as
/// a normal one, so it is reported once its window is full: never later than `windowSeconds` after it began.
public struct ContinuousSettling: Sendable, Hashable, Codable {
    public var windowSeconds: Int
    public var minimumSamples: Int
    /// Largest allowed difference between the highest and lowest SpO2 in the window, in percentage points.
    public var maximumSpread: Int

    /// 30 s holds about 30 samples of a 1 Hz oximeter: long enough to let a start-up artefact pass, short
    /// enough that a real red waits at most half a minute.
    public static let standard = ContinuousSettling(windowSeconds: 30, minimumSamples: 10, maximumSpread: 4)

    /// Hard limits: a window under 5 s cannot tell an artefact from a value, one over 2 minutes delays a red too
    /// long; a spread over 10 points would call a swinging signal settled.
    public static let windowRange: ClosedRange<Int> = 5...120
    public static let minimumSamplesRange: ClosedRange<Int> = 3...600
    public static let maximumSpreadRange: ClosedRange<Int> = 1...10

    public init(windowSeconds: Int, minimumSamples: Int, maximumSpread: Int) {
        self.windowSeconds = windowSeconds
        self.minimumSamples = minimumSamples
        self.maximumSpread = maximumSpread
    }
}
