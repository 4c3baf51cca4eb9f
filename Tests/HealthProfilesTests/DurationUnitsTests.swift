import HealthProfiles
import SeededRandom
import Testing

/// `Duration.inSeconds` and `inMilliseconds`, the one place durations become plain numbers.
@Suite struct DurationUnitsTests {
    @Test func secondsKeepTheFractionAndAgreeWithDivision() {
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
        #expect(Duration.seconds(-3).inSeconds == -3)
        #expect(Duration.zero.inSeconds == 0)
        var random = SeededGenerator(seed: 12)
        for _ in 0..<1000 {
            let duration = Duration.nanoseconds(Int64.random(in: -10_000_000_000_000...10_000_000_000_000, using: &random))
            #expect(abs(duration.inSeconds - duration / .seconds(1)) <= 1e-9 * max(1, abs(duration.inSeconds)), "\(duration)")
        }
    }

    @Test func millisecondsDropTheFractionAndSaturate() {
        #expect(Duration.microseconds(2_999).inMilliseconds == 2)
        #expect(Duration.seconds(86_400).inMilliseconds == 86_400_000)
        #expect(Duration.microseconds(-1_500).inMilliseconds == -1)
        #expect(Duration.seconds(Int64.max).inMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).inMilliseconds == .min)
    }
}
