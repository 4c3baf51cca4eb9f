import DeviceProfiles
import Foundation
import HealthProfiles
import Testing
@testable import Gateway

/// The settling rule for continuous SpO2 (`ContinuousOximetrySettler`), sample by sample at 1 Hz, with the
/// standard setting (a 30 s window, at least 10 samples, SpO2 within 4 points).
@Suite struct ContinuousOximetrySettlerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A PLX Continuous frame: SpO2 and pulse as whole SFLOATs, optionally a Measurement Status and a Device and
    /// Sensor Status.
    static func frame(_ spo2: Int, pulse: Int = 72, status: PLXMeasurementStatus? = nil,
                      sensor: PLXDeviceAndSensorStatus? = nil) -> [UInt8] {
        var flags: UInt8 = 0
        var bytes = [UInt8(spo2), 0x00, UInt8(pulse), 0x00]
        if let status {
            flags |= 0x04
            bytes += [UInt8(status.rawValue & 0xFF), UInt8(status.rawValue >> 8)]
        }
        if let sensor {
            flags |= 0x08
            bytes += [UInt8(sensor.rawValue & 0xFF), UInt8((sensor.rawValue >> 8) & 0xFF), UInt8(sensor.rawValue >> 16)]
        }
        return [flags] + bytes
    }

    /// What each sample gave, by its second: settled readings and "not settled" reasons.
    struct Run {
        var settled: [(second: Double, reading: Reading, frame: [UInt8])] = []
        var notSettled: [(second: Double, reason: String)] = []
        var spo2: [String] { settled.map { $0.reading.component(.oxygenSaturation)?.value.description ?? "-" } }
        var seconds: [Double] { settled.map(\.second) }
    }

    func play(_ samples: [(second: Double, frame: [UInt8])], into settler: inout ContinuousOximetrySettler) throws -> Run {
        var run = Run()
        for sample in samples {
            let measurement = try PLXContinuousMeasurement.decode(sample.frame)
            switch settler.accept(measurement, frame: sample.frame, at: start + sample.second) {
            case let .settled(framed): run.settled.append((sample.second, framed.reading, framed.rawFrame))
            case .waiting: break
            case let .notSettled(reason): run.notSettled.append((sample.second, reason))
            }
        }
        return run
    }

    func samples(_ seconds: ClosedRange<Int>, _ frame: [UInt8]) -> [(second: Double, frame: [UInt8])] {
        seconds.map { (Double($0), frame) }
    }

    @Test func aStartUpArtefactIsNeverReportedTheStableValueIsWithItsWindow() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play(samples(0...4, Self.frame(82)) + samples(5...59, Self.frame(96, pulse: 70)), into: &settler)
        #expect(run.spo2 == ["96"])
        // The last 82 (second 4) leaves the 30 s window at second 35: the window is seconds 5...35.
        #expect(run.seconds == [35])
        let reading = try #require(run.settled.first?.reading)
        #expect(reading.qualifiers[ReadingQualifier.settledWindowMilliseconds] == "30000")
        #expect(reading.qualifiers[ReadingQualifier.settledSamples] == "31")
        #expect(reading.component(.pulseRate)?.value.description == "70")
        #expect(run.settled.first?.frame == Self.frame(96, pulse: 70))
    }

    @Test func aStableLowValueIsReportedAsSoonAsItsWindowIsFull() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play(samples(0...45, Self.frame(84)), into: &settler)
        #expect(run.spo2 == ["84"])
        #expect(run.seconds == [30])   // the worst-case delay: the window
    }

    @Test func aDropAfterAReportIsNotHeldBackForTheInterval() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play(samples(0...30, Self.frame(96)) + samples(31...70, Self.frame(84)), into: &settler)
        #expect(run.spo2 == ["96", "84"])
        // 84 from second 31; the last 96 (second 30) leaves the window at 61: 30 s after the drop began.
        #expect(run.seconds == [30, 61])
    }

    @Test func aStableSignalGivesOneReadingAMinuteAndARiseWaitsForTheInterval() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play(samples(0...40, Self.frame(94)) + samples(41...130, Self.frame(97)), into: &settler)
        #expect(run.spo2 == ["94", "97"])
        #expect(run.seconds == [30, 90])
    }

    @Test func samplesTheOximeterFlagsAsUnsettledRestartTheRun() throws {
        var settler = ContinuousOximetrySettler()
        let early = try play(samples(0...9, Self.frame(82, status: .earlyEstimatedData)) + samples(10...45, Self.frame(96)), into: &settler)
        #expect(early.seconds == [40])
        for status: PLXMeasurementStatus in [.measurementOngoing, .questionableMeasurementDetected, .invalidMeasurementDetected,
                                             .calibrationOngoing, .measurementUnavailable] {
            var settler = ContinuousOximetrySettler()
            let run = try play(samples(0...20, Self.frame(96)) + [(21, Self.frame(96, status: status))] + samples(22...45, Self.frame(96)),
                               into: &settler)
            #expect(run.settled.isEmpty, "\(status)")
        }
        var sensor = ContinuousOximetrySettler()
        let poor = try play(samples(0...20, Self.frame(96)) + [(21, Self.frame(96, sensor: .lowPerfusionDetected))] + samples(22...55, Self.frame(96)),
                            into: &sensor)
        #expect(poor.seconds == [52])   // the run starts again at 22
    }

    @Test func validatedDataAndADisplayUpdateDoNotUnsettle() throws {
        var settler = ContinuousOximetrySettler()
        let frame = Self.frame(96, status: [.validatedData, .fullyQualifiedData], sensor: .extendedDisplayUpdateOngoing)
        let run = try play(samples(0...31, frame), into: &settler)
        #expect(run.seconds == [30])
        #expect(run.settled.first?.reading.flags.contains(.validatedData) == true)
    }

    @Test func aSwingingSignalGivesNoReadingAndSaysWhyOnceAMinute() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play((0...125).map { (Double($0), Self.frame($0.isMultiple(of: 2) ? 90 : 97)) }, into: &settler)
        #expect(run.settled.isEmpty)
        #expect(run.notSettled.map(\.second) == [60, 120])
        #expect(run.notSettled.first?.reason == "no settled SpO2 in the last 60 s (SpO2 from 90 to 97 %, more than 4 points apart)")
    }

    @Test func tooFewSamplesInTheWindowAreNotSettled() throws {
        var settler = ContinuousOximetrySettler()
        // One sample every 4 s: 8 in a 30 s window, fewer than the 10 needed.
        let run = try play(stride(from: 0, through: 64, by: 4).map { (Double($0), Self.frame(96)) }, into: &settler)
        #expect(run.settled.isEmpty)
        #expect(run.notSettled.first?.reason.contains("8 samples in the window, fewer than 10") == true)
    }

    @Test func aGapInTheSamplesRestartsTheRun() throws {
        var settler = ContinuousOximetrySettler()
        let run = try play(samples(0...20, Self.frame(96)) + samples(27...60, Self.frame(96)), into: &settler)
        #expect(run.seconds == [57])
    }

    @Test func aShorterProfileWindowAndSpreadApply() throws {
        var settler = ContinuousOximetrySettler(settling: ContinuousSettling(windowSeconds: 5, minimumSamples: 3, maximumSpread: 1))
        let run = try play(samples(0...3, Self.frame(95)) + samples(4...12, Self.frame(97)), into: &settler)
        // 95 and 97 are 2 points apart: settled once the last 95 (second 3) has left the 5 s window.
        #expect(run.seconds == [9])
        #expect(run.spo2 == ["97"])
    }

    @Test func theMedianOfAnEvenWindowIsTheLowerMiddleSample() throws {
        var settler = ContinuousOximetrySettler(settling: ContinuousSettling(windowSeconds: 5, minimumSamples: 3, maximumSpread: 4))
        // Seconds 0...5: 94 95 96 97 94 95 → sorted 94 94 95 95 96 97, lower middle 95.
        let values = [94, 95, 96, 97, 94, 95]
        let run = try play(values.enumerated().map { (Double($0.offset), Self.frame($0.element, pulse: 60 + $0.offset)) }, into: &settler)
        #expect(run.spo2 == ["95"])
        #expect(run.settled.first?.reading.component(.pulseRate)?.value.description == "62")
    }

    @Test func aStreamEndingBeforeItSettledSaysSoAndTheNextVisitStartsOver() throws {
        var settler = ContinuousOximetrySettler()
        _ = try play(samples(0...10, Self.frame(96)), into: &settler)
        #expect(settler.finish() == "the stream ended before the signal settled (window not full yet)")
        // The next visit, 10 minutes later: a new run, reported after its own window; ending then says nothing.
        let next = try play(samples(600...635, Self.frame(96)), into: &settler)
        #expect(next.seconds == [630])
        #expect(settler.finish() == nil)
    }
}
