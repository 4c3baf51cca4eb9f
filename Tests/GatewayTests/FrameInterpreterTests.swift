import DeviceProfiles
import Foundation
import HealthProfiles
import Testing
@testable import Gateway

@Suite struct FrameInterpreterTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func glucose(_ sequence: UInt16, contextFollows: Bool) throws -> [UInt8] {
        try GlucoseMeasurement(
            sequenceNumber: sequence,
            baseTime: try DeviceDateTime(year: 2026, month: 11, day: 23, hours: 8, minutes: Int(sequence), seconds: 0),
            timeOffset: 0, unit: .molePerLitre,
            concentration: .init(value: .finite(DecimalNumber(mantissa: 50 + Int64(sequence), exponent: -4)),
                                 type: .capillaryWholeBlood, location: .finger),
            contextFollows: contextFollows
        ).encoded()
    }

    func context(_ sequence: UInt16) throws -> [UInt8] {
        try GlucoseMeasurementContext(sequenceNumber: sequence, meal: .preprandial).encoded()
    }

    func readings(_ frame: InterpretedFrame) -> [FramedReading] {
        if case let .readings(readings) = frame { return readings }
        return []
    }

    @Test func glucoseContextIsPairedAndKeepsBothFrames() throws {
        var interpreter = FrameInterpreter()
        let measurement = try glucose(1, contextFollows: true)
        let context = try context(1)
        #expect(interpreter.interpret(.glucoseMeasurement, measurement, receivedAt: now)
            == .nothingToStore(reason: "glucose record 1 awaits its context"))
        let paired = readings(interpreter.interpret(.glucoseMeasurementContext, context, receivedAt: now))
        #expect(paired.count == 1)
        #expect(paired.first?.rawFrame == measurement + context)
        #expect(paired.first?.reading.qualifiers.values.contains("preprandial") == true)
        #expect(interpreter.finish().isEmpty)
    }

    @Test func aContextThatNeverComesDoesNotLoseTheRecord() throws {
        var interpreter = FrameInterpreter()
        let first = try glucose(1, contextFollows: true)
        let second = try glucose(2, contextFollows: false)
        _ = interpreter.interpret(.glucoseMeasurement, first, receivedAt: now)
        let released = readings(interpreter.interpret(.glucoseMeasurement, second, receivedAt: now))
        #expect(released.map(\.reading.sequenceNumber) == [1, 2])
        #expect(released.map(\.rawFrame) == [first, second])

        _ = interpreter.interpret(.glucoseMeasurement, try glucose(3, contextFollows: true), receivedAt: now)
        let atEnd = interpreter.finish().flatMap(readings)
        #expect(atEnd.map(\.reading.sequenceNumber) == [3])
    }

    @Test func aStrayContextIsMalformedNotACrash() throws {
        var interpreter = FrameInterpreter()
        guard case .malformed = interpreter.interpret(.glucoseMeasurementContext, try context(9), receivedAt: now) else {
            Issue.record("stray context accepted")
            return
        }
    }

    @Test func continuousOximetryIsSettledNotFlooded() throws {
        var interpreter = FrameInterpreter(settling: ContinuousSettling(windowSeconds: 5, minimumSamples: 3, maximumSpread: 4))
        let frame: [UInt8] = [0x00, 0x61, 0x00, 0x48, 0x00]
        for second in 0..<5 {
            guard case .nothingToStore = interpreter.interpret(.plxContinuousMeasurement, frame, receivedAt: now + Double(second)) else {
                Issue.record("an unsettled sample at second \(second) was not held back")
                return
            }
        }
        #expect(readings(interpreter.interpret(.plxContinuousMeasurement, frame, receivedAt: now + 5)).count == 1)
        #expect(readings(interpreter.interpret(.plxContinuousMeasurement, frame, receivedAt: now + 6)).isEmpty)
        // Spot checks are never thinned out.
        #expect(readings(interpreter.interpret(.plxSpotCheckMeasurement, frame, receivedAt: now + 62)).count == 1)
        #expect(readings(interpreter.interpret(.plxSpotCheckMeasurement, frame, receivedAt: now + 63)).count == 1)
        // The visit ends with a stream that had settled: nothing to say; one that had not: why.
        #expect(interpreter.finish().isEmpty)
        _ = interpreter.interpret(.plxContinuousMeasurement, frame, receivedAt: now + 600)
        #expect(interpreter.finish() == [.notSettled(reason: "the stream ended before the signal settled (window not full yet)")])
    }

    @Test func thermometerSiteComesFromTheTemperatureTypeCharacteristic() throws {
        var interpreter = FrameInterpreter()
        _ = interpreter.interpret(.temperatureType, [0x03], receivedAt: now)  // ear
        let reading = readings(interpreter.interpret(.temperatureMeasurement, [0x00, 0x78, 0x01, 0x00, 0xFF], receivedAt: now))
        #expect(reading.first?.reading.qualifiers.values.contains("ear") == true)
    }

    @Test func malformedAndProgressFramesStoreNothing() {
        var interpreter = FrameInterpreter()
        guard case .malformed = interpreter.interpret(.bloodPressureMeasurement, [0x1E, 0x8A], receivedAt: now) else {
            Issue.record("truncated frame accepted")
            return
        }
        guard case .nothingToStore = interpreter.interpret(.intermediateCuffPressure, [0x00, 0x50, 0x00, 0xFF, 0x07, 0xFF, 0x07], receivedAt: now) else {
            Issue.record("intermediate cuff pressure stored")
            return
        }
    }
}
