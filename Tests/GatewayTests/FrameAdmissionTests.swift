import DeviceProfiles
import HealthProfiles
import Testing
@testable import Gateway

/// The frame path's admission rules, on a clock the test moves: the rate limit's token bucket and flood
/// episodes, and the repeated-delivery window.
@Suite struct FrameAdmissionTests {
    let start = ContinuousClock.now

    @Test func theBurstIsAdmittedThenTheRateAndAFloodEndsWhenCalm() {
        var limiter = ReadingRateLimiter(limit: RateLimit(readingsPerMinute: 6, burst: 3, calmAfterSeconds: 60))
        for _ in 0..<3 { let r1 = limiter.admit(at: start); #expect(r1 == .admitted) }
        let r2 = limiter.admit(at: start); #expect(r2 == .dropped(startsFlood: true))
        let r3 = limiter.admit(at: start + .seconds(1)); #expect(r3 == .dropped(startsFlood: false))
        #expect(limiter.isFlooding)
        // 6 a minute: one token every 10 s.
        let r4 = limiter.admit(at: start + .seconds(11)); #expect(r4 == .admitted)
        let r5 = limiter.admit(at: start + .seconds(11)); #expect(r5 == .dropped(startsFlood: false))
        // Calm is counted from the last frame dropped.
        let r6 = limiter.endFloodIfCalm(at: start + .seconds(70)); #expect(r6 == nil)
        #expect(limiter.remainingUntilCalm(at: start + .seconds(70)) == .seconds(1))
        let r7 = limiter.endFloodIfCalm(at: start + .seconds(71)); #expect(r7 == 3)
        #expect(!limiter.isFlooding)
        let r8 = limiter.endFloodIfCalm(at: start + .seconds(200)); #expect(r8 == nil)
        // The bucket never holds more than the burst, however long the device was quiet.
        for _ in 0..<3 { let r9 = limiter.admit(at: start + .seconds(3600)); #expect(r9 == .admitted) }
        let r10 = limiter.admit(at: start + .seconds(3600)); #expect(r10 == .dropped(startsFlood: true))
    }

    @Test func aFrameThatStoredNothingNewCostsNothing() {
        var limiter = ReadingRateLimiter(limit: RateLimit(readingsPerMinute: 1, burst: 2, calmAfterSeconds: 60))
        // A glucometer replaying records the store already has: each admitted and refunded.
        for _ in 0..<100 {
            let r11 = limiter.admit(at: start); #expect(r11 == .admitted)
            limiter.refund()
        }
        let r12 = limiter.admit(at: start); #expect(r12 == .admitted)
        let r13 = limiter.admit(at: start); #expect(r13 == .admitted)
        let r14 = limiter.admit(at: start); #expect(r14 == .dropped(startsFlood: true))
    }

    @Test func theSameFrameWithinTheWindowIsOneDelivery() {
        var filter = RepeatedDeliveryFilter()
        let frame: [UInt8] = [0x04, 0x78, 0x01, 0x00, 0xFF, 0x03]
        let r15 = filter.isRepeat(.temperatureMeasurement, frame, at: start); #expect(!r15)
        let r16 = filter.isRepeat(.temperatureMeasurement, frame, at: start + .milliseconds(100)); #expect(r16)
        // Other bytes, or the same bytes on another characteristic, are other frames.
        let r17 = filter.isRepeat(.temperatureMeasurement, [0x04, 0x79, 0x01, 0x00, 0xFF, 0x03], at: start + .milliseconds(150)); #expect(!r17)
        let r18 = filter.isRepeat(.intermediateTemperature, frame, at: start + .milliseconds(200)); #expect(!r18)
        // The window runs from the first delivery: a second later the same bytes are a new measurement.
        let r19 = filter.isRepeat(.temperatureMeasurement, frame, at: start + .milliseconds(999)); #expect(r19)
        let r20 = filter.isRepeat(.temperatureMeasurement, frame, at: start + .seconds(1)); #expect(!r20)
        let r21 = filter.isRepeat(.temperatureMeasurement, frame, at: start + .milliseconds(1500)); #expect(r21)
    }

    /// Windows of different lengths close out of order: pruning the closed ones (when the earliest closes) keeps
    /// every frame whose window is still open, and a frame whose window closed is a new delivery.
    @Test func closedWindowsArePrunedWithoutForgettingOpenOnes() {
        var filter = RepeatedDeliveryFilter()
        let spot: [UInt8] = [0x00, 0x61, 0x00, 0x48, 0x00]
        let sample: [UInt8] = [0x00, 0x60, 0x00, 0x48, 0x00]
        let spotFirst = filter.isRepeat(.plxSpotCheckMeasurement, spot, at: start); #expect(!spotFirst)
        let sampleFirst = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(10)); #expect(!sampleFirst)
        // The sample's window (150 ms) has closed: a new sample; the spot-check's (1 s) is still open.
        let sampleAgain = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(300)); #expect(!sampleAgain)
        let spotRepeat = filter.isRepeat(.plxSpotCheckMeasurement, spot, at: start + .milliseconds(400)); #expect(spotRepeat)
        let sampleRepeat = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(420)); #expect(sampleRepeat)
        let spotLater = filter.isRepeat(.plxSpotCheckMeasurement, spot, at: start + .milliseconds(1000)); #expect(!spotLater)
        let spotRepeatAgain = filter.isRepeat(.plxSpotCheckMeasurement, spot, at: start + .milliseconds(1900)); #expect(spotRepeatAgain)
    }

    /// A continuous oximeter's identical samples a fifth of a second apart are samples (its settling counts them);
    /// the same sample again within 150 ms is BlueZ repeating it.
    @Test func identicalContinuousSamplesAreSamplesButARepeatWithinAFewHundredthsIsNot() {
        var filter = RepeatedDeliveryFilter()
        let sample: [UInt8] = [0x00, 0x60, 0x00, 0x48, 0x00]
        let first = filter.isRepeat(.plxContinuousMeasurement, sample, at: start); #expect(!first)
        let repeated = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(100)); #expect(repeated)
        let next = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(200)); #expect(!next)
        let afterThat = filter.isRepeat(.plxContinuousMeasurement, sample, at: start + .milliseconds(400)); #expect(!afterThat)
    }

    /// A long stream (the queues of closing windows compacted on the way): every repeat within its window is one,
    /// every delivery after its window closed is new, the spot-checks' longer windows alongside.
    @Test func aLongStreamKeepsEveryWindowExact() {
        var filter = RepeatedDeliveryFilter()
        for index in 0..<400 {
            let at = start + .milliseconds(25 * index)
            let sample: [UInt8] = [0x00, UInt8(index % 7), 0x00, 0x48, 0x00]
            let spot: [UInt8] = [0x00, UInt8(index % 3), 0x01, 0x48, 0x00]
            // The same sample came 175 ms before (7 frames back): its 150 ms window has closed.
            let sampleFirst = filter.isRepeat(.plxContinuousMeasurement, sample, at: at)
            #expect(!sampleFirst, "sample \(index)")
            let sampleRepeat = filter.isRepeat(.plxContinuousMeasurement, sample, at: at + .milliseconds(10))
            #expect(sampleRepeat, "sample \(index)")
            // Each of three spot-checks' bytes comes back every 75 ms: repeats within the 1 s window its first
            // delivery opened (13 more), new at the 14th return (1050 ms on), which opens the next window.
            let spotAgain = filter.isRepeat(.plxSpotCheckMeasurement, spot, at: at + .milliseconds(12))
            #expect(spotAgain == !(index / 3).isMultiple(of: 14), "spot \(index)")
        }
    }
}
