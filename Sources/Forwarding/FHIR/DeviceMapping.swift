public import HealthProfiles
public import ReadingStore

/// FHIR Device resources (PHD IG PhdDevice for sensors, PhgDevice for the gateway), created conditionally on
/// the gateway's own identifier so that every Bundle can carry them and the server keeps exactly one of each.
extension FHIRMapper {
    /// IEEE 11073 device specialisations ("MDC_DEV_SPEC_PROFILE_*") by reading kind.
    static let specializations: [ReadingKind: FHIRCoding] = [
        .bloodPressure: .mdc(528391, "MDC_DEV_SPEC_PROFILE_BPM"),
        .spotCheckOximetry: .mdc(528388, "MDC_DEV_SPEC_PROFILE_PULS_OXIM"),
        .continuousOximetry: .mdc(528388, "MDC_DEV_SPEC_PROFILE_PULS_OXIM"),
        .glucose: .mdc(528401, "MDC_DEV_SPEC_PROFILE_GLUCOSE"),
        .bodyWeight: .mdc(528399, "MDC_DEV_SPEC_PROFILE_SCALE"),
        .bodyComposition: .mdc(528404, "MDC_DEV_SPEC_PROFILE_BCA"),
        .bodyTemperature: .mdc(528392, "MDC_DEV_SPEC_PROFILE_TEMP"),
    ]

    static let firmwareVersion = FHIRCoding.mdc(531976, "MDC_ID_PROD_SPEC_FW")
    static let softwareVersion = FHIRCoding.mdc(531975, "MDC_ID_PROD_SPEC_SW")
    static let hardwareVersion = FHIRCoding.mdc(531974, "MDC_ID_PROD_SPEC_HW")

    public func gatewayDeviceURL() -> String {
        "urn:uuid:" + ReadingIdentity.derivedIdentifier(configuration.gateway.identifier, role: "gateway-device")
    }

    public func sensorDeviceURL(_ key: SensorKey) -> String {
        "urn:uuid:" + ReadingIdentity.derivedIdentifier(key.rawValue, role: "sensor-device")
    }

    /// The gateway's own Device (PhgDevice).
    public func gatewayDevice() -> BundleEntry {
        let gateway = configuration.gateway
        var identifiers: [JSON] = [
            ["system": .string(configuration.gatewayIdentifierSystem), "value": .string(gateway.identifier)],
        ]
        if let systemID = gateway.systemID.flatMap(Self.eui64) {
            identifiers.append(Self.typedIdentifier("SYSID", system: CodeSystem.ieeeSystemID, value: systemID))
        }
        var resource: [String: JSON] = [
            "resourceType": "Device",
            "meta": ["profile": [.string(FHIRURL.phgDevice)]],
            "identifier": .array(identifiers),
            "type": ["coding": [FHIRCoding.mdc(531981, "MDC_MOC_VMS_MDS_AHD").json], "text": "Personal health gateway"],
        ]
        resource["manufacturer"] = gateway.manufacturer.map(JSON.string)
        resource["modelNumber"] = gateway.model.map(JSON.string)
        resource["serialNumber"] = gateway.serialNumber.map(JSON.string)
        if let version = gateway.softwareVersion {
            resource["version"] = [Self.version(Self.softwareVersion, "Software revision", version)]
        }
        return BundleEntry(
            fullUrl: gatewayDeviceURL(), resourceType: "Device", resource: .object(resource),
            identifierSystem: configuration.gatewayIdentifierSystem, identifierValue: gateway.identifier)
    }

    /// A sensor's Device (PhdDevice) from what the store knows about it; `kind` names its specialisation
    /// when the record does not.
    public func sensorDevice(_ key: SensorKey, record: SensorRecord?, kind: ReadingKind?) -> BundleEntry {
        var identifiers: [JSON] = [
            ["system": .string(configuration.sensorIdentifierSystem), "value": .string(key.rawValue)],
        ]
        if let systemID = record?.systemID.flatMap(Self.eui64) {
            identifiers.append(Self.typedIdentifier("SYSID", system: CodeSystem.ieeeSystemID, value: systemID))
        }
        if let address = record?.address.flatMap(Self.eui48) {
            identifiers.append(Self.typedIdentifier("BTMAC", system: CodeSystem.bluetoothAddress, value: address))
        }
        var resource: [String: JSON] = [
            "resourceType": "Device",
            "meta": ["profile": [.string(FHIRURL.phdDevice)]],
            "identifier": .array(identifiers),
        ]
        resource["manufacturer"] = record?.manufacturer.map(JSON.string)
        resource["modelNumber"] = record?.model.map(JSON.string)
        resource["serialNumber"] = record?.serial.map(JSON.string)
        if let model = record?.model {
            resource["deviceName"] = [["name": .string(model), "type": "model-name"]]
        }
        let profileKind = record?.profile.flatMap(ReadingKind.init(rawValue:)) ?? kind
        if let specialization = profileKind.flatMap({ Self.specializations[$0] }) {
            resource["type"] = ["coding": [specialization.json]]
            resource["specialization"] = [["systemType": ["coding": [specialization.json]]]]
        }
        var versions: [JSON] = []
        if let value = record?.firmware { versions.append(Self.version(Self.firmwareVersion, "Firmware revision", value)) }
        if let value = record?.software { versions.append(Self.version(Self.softwareVersion, "Software revision", value)) }
        if let value = record?.hardware { versions.append(Self.version(Self.hardwareVersion, "Hardware revision", value)) }
        if !versions.isEmpty { resource["version"] = .array(versions) }
        return BundleEntry(
            fullUrl: sensorDeviceURL(key), resourceType: "Device", resource: .object(resource),
            identifierSystem: configuration.sensorIdentifierSystem, identifierValue: key.rawValue)
    }

    static func version(_ type: FHIRCoding, _ text: String, _ value: String) -> JSON {
        ["type": ["coding": [type.json], "text": .string(text)], "value": .string(value)]
    }

    static func typedIdentifier(_ type: String, system: String, value: String) -> JSON {
        [
            "type": ["coding": [FHIRCoding(CodeSystem.continuaDeviceIdentifiers, type).json]],
            "system": .string(system), "value": .string(value),
        ]
    }

    /// "74E8FFFEFF051C00" -> "74-E8-FF-FE-FF-05-1C-00" (the IG's form); nil unless 16 hex digits.
    static func eui64(_ text: String) -> String? { groupedHex(text, bytes: 8) }

    /// "00:1C:05:FF:E8:74" -> "00-1C-05-FF-E8-74"; nil unless 12 hex digits.
    static func eui48(_ text: String) -> String? { groupedHex(text, bytes: 6) }

    static func groupedHex(_ text: String, bytes: Int) -> String? {
        let digits = text.uppercased().filter { $0.isHexDigit }
        guard digits.count == bytes * 2,
              text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "-" })
        else { return nil }
        var groups: [String] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            groups.append(String(digits[index..<next]))
            index = next
        }
        return groups.joined(separator: "-")
    }
}
