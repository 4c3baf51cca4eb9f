import FHIRTestSupport
import Forwarding
import Foundation
import HealthProfiles
import ReadingStore
import Testing

/// The FHIR the forwarder sends, checked by an independent validator: the reference receiver in strict mode
/// (Tests/peers/phd_conformance.py: fhir.resources R4B models plus the PHD IG 2.0.0 and FHIR R4 vital-signs
/// rules each resource declares) answers 422 to any Bundle with a resource that breaks one.
@Suite struct ConformanceTests {
    static let pressureKPa: [ReadingComponent] = [
        ReadingComponent(.systolicPressure, Samples.value("18.4"), .kilopascal),
        ReadingComponent(.diastolicPressure, Samples.value("11.7"), .kilopascal),
        ReadingComponent(.meanArterialPressure, Samples.value("14.0"), .kilopascal),
        ReadingComponent(.pulseRate, Samples.value("71"), .perMinute),
    ]

    /// Every device kind and every measurement-status case the mapping distinguishes.
    static func readings() -> [Reading] {
        func reading(_ kind: ReadingKind, _ characteristic: UInt16, _ components: [ReadingComponent],
                     flags: [ReadingFlag] = [], qualifiers: [String: String] = [:], minute: Int) -> Reading {
            Reading(kind: kind, characteristic: characteristic, deviceTime: Samples.time(minute),
                    components: components, flags: flags, qualifiers: qualifiers)
        }
        let spo2 = [ReadingComponent(.oxygenSaturation, Samples.value("97"), .percent),
                    ReadingComponent(.pulseRate, Samples.value("64"), .perMinute)]
        let glucose = [ReadingComponent(.glucose, Samples.value("6.1"), .millimolePerLitre)]
        var all: [Reading] = [
            Samples.bloodPressure(),
            Samples.bloodPressure(minute: 1, flags: [.bodyMovement, .irregularPulse, .cuffTooLoose]),
            Samples.bloodPressure(minute: 2, flags: [.invalidMeasurementDetected]),
            Samples.bloodPressure(minute: 3, flags: [.earlyEstimatedData, .questionableMeasurementDetected]),
            Samples.bloodPressure(minute: 4, flags: [.dataForTesting]),
            Samples.bloodPressure(minute: 5, flags: [.measurementOngoing]),
            Samples.bloodPressure(minute: 6, flags: [.measurementUnavailable, .calibrationOngoing]),
            reading(.bloodPressure, 0x2A35, pressureKPa, minute: 7),
            reading(.bloodPressure, 0x2A35, [
                ReadingComponent(.systolicPressure, MedicalFloat(sfloatBits: 0x07FF), .millimetreOfMercury),
                ReadingComponent(.diastolicPressure, MedicalFloat(sfloatBits: 0x0800), .millimetreOfMercury),
                ReadingComponent(.pulseRate, MedicalFloat(sfloatBits: 0x07FE), .perMinute),
            ], minute: 8),
            reading(.spotCheckOximetry, 0x2A5E, spo2, flags: [.lowPerfusionDetected, .sensorDisplaced], minute: 9),
            reading(.continuousOximetry, 0x2A5F, spo2 + [ReadingComponent(.perfusionIndex, Samples.value("4.5"), .percent)],
                    flags: [.validatedData], minute: 10),
            reading(.glucose, 0x2A18, glucose, qualifiers: [
                "glucose-sample-type": "capillary-plasma", "glucose-sample-location": "finger", "meal": "postprandial",
                "tester": "self", "health": "no-health-issues", "glucose-device-unit": "mol/L",
            ], minute: 11),
            reading(.glucose, 0x2A18, [ReadingComponent(.glucose, Samples.value("97"), .milligramPerDecilitre)],
                    flags: [.controlSolution, .sampleSizeInsufficient, .stripInsertionError],
                    qualifiers: ["glucose-sample-type": "undetermined-plasma", "glucose-sample-location": "not-available"],
                    minute: 12),
            reading(.bodyTemperature, 0x2A1C, [ReadingComponent(.bodyTemperature, Samples.value("99.1"), .fahrenheit)],
                    qualifiers: ["temperature-site": "tympanum"], minute: 13),
            reading(.bodyWeight, 0x2A9D, [ReadingComponent(.bodyWeight, Samples.value("180.2"), .pound),
                                           ReadingComponent(.height, Samples.value("1.791"), .metre),
                                           ReadingComponent(.bodyMassIndex, Samples.value("25.5"), .kilogramPerSquareMetre)],
                    minute: 14),
            reading(.bodyComposition, 0x2A9C, [ReadingComponent(.bodyFatPercentage, Samples.value("23.5"), .percent),
                                                ReadingComponent(.muscleMass, Samples.value("35.2"), .kilogram),
                                                ReadingComponent(.impedance, Samples.value("512.3"), .ohm)],
                    minute: 15),
            reading(.bodyWeight, 0x2A9D, [ReadingComponent(.bodyWeight, .absent(.error), .kilogram)],
                    flags: [.implausibleValue], minute: 16),
            // A glucometer's LO and HI (beyond its measuring range): the IG's special values, no valueQuantity.
            reading(.glucose, 0x2A18, [ReadingComponent(.glucose, .beyondRange(.below), .milligramPerDecilitre)],
                    flags: [.resultLowerThanDeviceCanProcess], qualifiers: ["measuring-range": "20-600 mg/dL"], minute: 17),
            reading(.glucose, 0x2A18, [ReadingComponent(.glucose, .beyondRange(.above), .millimolePerLitre)], minute: 18),
        ]
        // A reading without the device's own clock: no coincident time stamp.
        all.append(Reading(kind: .bodyWeight, characteristic: 0x2A9D,
                           components: [ReadingComponent(.bodyWeight, Samples.value("81.3"), .kilogram)]))
        return all
    }

    @Test func everyKindAndStatusCaseIsAcceptedByTheStrictReceiver() async throws {
        let harness = try await Harness()
        // One sensor the store knows everything about, one it knows nothing about (only its key).
        try await harness.store.upsertSensor(SensorUpdate(
            key: Samples.cuff, address: "00:1C:05:FF:E8:74", manufacturer: "A&D Medical", model: "UA-651BLE",
            serial: "5170900123", firmware: "1.2", systemID: "001C05FFFEE87400", profile: "blood-pressure"))
        for (index, reading) in Self.readings().enumerated() {
            _ = try await harness.store.ingest(
                reading, rawFrame: Samples.frame, sensor: index.isMultiple(of: 2) ? Samples.cuff : Samples.oximeter,
                receivedAt: Samples.t0, measuredAt: Samples.t0.addingTimeInterval(Double(index)))
        }
        let report = await (try harness.forwarder(batchSize: 5)).drain()
        let violations = try await harness.receiver.violations()
        #expect(violations.isEmpty, "\(Set(violations).sorted().joined(separator: "\n"))")
        #expect(try await harness.receiver.stat("nonConformant") == 0)
        #expect(report.delivered == Self.readings().count && report.parked == 0)
    }
}
