import Foundation
import HealthProfiles
import ReadingStore
import Triage

extension GatewayCommands {
    /// The latest stored readings, newest first, with their triage outcome and delivery state.
    func readings(_ arguments: CommandArguments) async throws(ControlError) -> [ReadingResult] {
        let limit = try arguments.int("limit", default: 20, in: 1...1000)
        return try await failing("readings") {
            var results: [ReadingResult] = []
            for reading in try await runtime.store.latestReadings(limit: limit) {
                let triage = try await runtime.triage.storedResult(readingID: reading.id.rawValue)
                let delivery = try await runtime.store.outboxItem(kind: .reading, key: reading.id.rawValue)
                results.append(ReadingResult(
                    id: reading.id.rawValue,
                    device: reading.sensor.rawValue.hasPrefix("bt:") ? String(reading.sensor.rawValue.dropFirst(3)) : reading.sensor.rawValue,
                    kind: reading.reading.kind.rawValue, measuredAt: reading.measuredAt, receivedAt: reading.receivedAt,
                    values: reading.reading.components.map { Self.describe($0, of: reading.reading) } + Self.implausibleNote(reading.reading),
                    flags: reading.reading.flags.map(\.rawValue),
                    triage: triage.map(Self.describe),
                    delivery: delivery?.state.rawValue ?? Self.keptApart(reading.reading) ?? "unknown"))
            }
            return results
        }
    }

    static func describe(_ component: ReadingComponent, of reading: Reading) -> String {
        switch component.value {
        case let .number(value): "\(component.vital.rawValue) \(value) \(component.unit.display)"
        case let .absent(reason): "\(component.vital.rawValue) no value (\(reason.rawValue))"
        case let .beyondRange(side):
            "\(component.vital.rawValue) " + (BeyondRangeText.limit(of: component, in: reading).map(BeyondRangeText.short) ?? side.displayCode)
        }
    }

    /// What the gateway withheld as impossible, for the technician: "IMPLAUSIBLE temperature 3.7e129 Cel (device error)".
    static func implausibleNote(_ reading: Reading) -> [String] {
        guard let text = reading.qualifiers[ReadingQualifier.implausibleValues] else { return [] }
        return ["IMPLAUSIBLE \(text) (device error, withheld)"]
    }

    /// A reading that is not the patient's (a lent device's previous user, another user of a multi-user device) is
    /// stored without an outbox item: never forwarded.
    static func keptApart(_ reading: Reading) -> String? {
        if reading.qualifiers[ReadingQualifier.beforeProvisioning] != nil { return "kept apart: before provisioning" }
        return reading.qualifiers[ReadingQualifier.notThePatients].map { "kept apart: \($0)" }
    }

    static func describe(_ result: TriageResult) -> String {
        switch result.outcome {
        case let .zone(zone): zone.rawValue
        case .controlMeasurementNeeded: "control measurement needed"
        case .notAssessed: "not assessed (no thresholds)"
        }
    }
}
