import Foundation
import HealthProfiles
import ReadingStore
import Testing
@testable import Gateway

/// The device profile's measuring range travels with a LO / HI reading, so that triage and every text name the
/// bound; an ordinary reading carries none, and a LO keeps the identity it had as "−∞ absent".
@Suite struct MeasuringRangeStampTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let instant = MeasuringRange(low: DecimalNumber(10), high: DecimalNumber(600), unit: .milligramPerDecilitre)

    func frame(_ sequence: UInt16, _ value: MedicalFloat, status: GlucoseSensorStatus?, contextFollows: Bool = false) throws -> [UInt8] {
        try GlucoseMeasurement(
            sequenceNumber: sequence, baseTime: try DeviceDateTime(year: 2026, month: 11, day: 23, hours: 8, minutes: 0, seconds: 0),
            unit: .kilogramPerLitre, concentration: .init(value: value, type: .undeterminedPlasma, location: .notAvailable),
            sensorStatus: status, contextFollows: contextFollows
        ).encoded()
    }

    func readings(_ frame: InterpretedFrame) -> [Reading] {
        if case let .readings(framed) = frame { return framed.map(\.reading) }
        return []
    }

    @Test func aReadingBeyondTheRangeCarriesTheProfilesRange() throws {
        var interpreter = FrameInterpreter(measuringRange: Self.instant)
        let low = readings(interpreter.interpret(.glucoseMeasurement, try frame(1, .negativeInfinity, status: .resultLowerThanDeviceCanProcess),
                                                 receivedAt: now))
        #expect(low.first?.qualifiers[ReadingQualifier.measuringRange] == "10-600 mg/dL")
        let normal = readings(interpreter.interpret(.glucoseMeasurement, try frame(2, .finite(DecimalNumber(mantissa: 88, exponent: -5)), status: nil),
                                                    receivedAt: now))
        #expect(normal.count == 1 && normal.first?.qualifiers[ReadingQualifier.measuringRange] == nil)
        // A LO whose context never comes is released at the end of the transfer, with the range too.
        _ = interpreter.interpret(.glucoseMeasurement, try frame(3, .positiveInfinity, status: nil, contextFollows: true), receivedAt: now)
        let released = interpreter.finish().flatMap(readings)
        #expect(released.first?.component(.glucose)?.value == .beyondRange(.above))
        #expect(released.first?.qualifiers[ReadingQualifier.measuringRange] == "10-600 mg/dL")
    }

    @Test func aLowKeepsTheIdentityItHadAsAnAbsentValue() throws {
        let beyond = Reading(kind: .glucose, characteristic: 0x2A18, components: [ReadingComponent(.glucose, .beyondRange(.below), .milligramPerDecilitre)],
                             sequenceNumber: 12)
        var before = beyond
        before.components[0].value = .absent(.negativeInfinity)
        let sensor = try SensorKey("bt:C4:AD:34:00:00:03")
        #expect(ReadingIdentity.identifier(for: beyond, sensor: sensor, receivedAt: now)
            == ReadingIdentity.identifier(for: before, sensor: sensor, receivedAt: now))
    }
}
