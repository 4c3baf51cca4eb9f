import Forwarding
import Foundation
import ReadingStore

/// A sensor's inventory at the centre as FHIR: its PhdDevice, updated in place (conditional update on the
/// sensor identifier the readings' Devices use) with `status` active or — once forgotten (`dhoctl forget`) —
/// inactive, and its battery level as the PHD IG reports an MDS attribute: a PhdNumericObservation coded
/// MDC_ATTR_VAL_BATT_CHARGE (67996) in %, `device` the sensor, `subject` the patient, with the hub as
/// observation-gatewayDevice.
enum DeviceInventory {
    static let outboxKind = "device-inventory"
    static let identifierSystem = "urn:ietf:rfc:3986"
    static let batteryCharge = FHIRCoding.mdc(67996, "MDC_ATTR_VAL_BATT_CHARGE")

    /// What the centre has been told about a device: a change in any of these is reported.
    static func fingerprint(_ record: SensorRecord) -> String {
        "active|\(record.firmware ?? "")|\(record.serial ?? "")|\(record.batteryLevel.map(String.init) ?? "")"
    }

    static func batteryLevel(inFingerprint fingerprint: String?) -> Int? {
        fingerprint.flatMap { $0.split(separator: "|", omittingEmptySubsequences: false).last.flatMap { Int($0) } }
    }

    /// The entries to queue: the hub's Device, the sensor's Device (conditional update) and, with `battery`,
    /// a battery Observation (conditional create on an identifier of sensor, level and time).
    static func entries(
        _ record: SensorRecord, active: Bool, battery: Int?, at time: Date, patientReference: String, gatewayID: String,
        mapper: FHIRMapper
    ) -> [BundleEntry] {
        let created = mapper.sensorDevice(record.key, record: record, kind: nil)
        guard case var .object(device)? = created.json["resource"] else { return [] }
        device["status"] = active ? "active" : "inactive"
        let deviceURL = mapper.sensorDeviceURL(record.key)
        var entries = [
            mapper.gatewayDevice(),
            BundleEntry(
                conditionalUpdateOf: .object(device), resourceType: "Device", fullUrl: deviceURL,
                identifierSystem: mapper.configuration.sensorIdentifierSystem, identifierValue: record.key.rawValue),
        ]
        if let battery {
            let identifier = "urn:uuid:" + CentrePlanReport.uuid(
                from: "\(gatewayID)\n\(record.key.rawValue)\nbattery\n\(battery)\n\(time.timeIntervalSince1970)")
            let observation: JSON = [
                "resourceType": "Observation",
                "meta": ["profile": [.string(FHIRURL.phdNumeric)]],
                "identifier": [["system": .string(identifierSystem), "value": .string(identifier)]],
                "extension": [["url": .string(FHIRURL.gatewayDeviceExtension),
                               "valueReference": ["reference": .string(mapper.gatewayDeviceURL())]]],
                "status": "final",
                "category": [["coding": [["system": .string(CodeSystem.phdObservationCategory), "code": "phd"]]]],
                "code": ["coding": [batteryCharge.json], "text": "MDC_ATTR_VAL_BATT_CHARGE: Battery level"],
                "subject": ["reference": .string(patientReference)],
                "effectiveDateTime": .string(GatewayFHIR.instant(time)),
                "valueQuantity": ["value": .integer(battery), "unit": "%", "system": .string(CodeSystem.ucum), "code": "%"],
                "device": ["reference": .string(deviceURL)],
            ]
            entries.append(BundleEntry(
                fullUrl: identifier, resourceType: "Observation", resource: observation,
                identifierSystem: identifierSystem, identifierValue: identifier))
        }
        return entries
    }
}
