public import HealthProfiles
public import ReadingStore

/// FHIR Device resources (PHD IG 2.0.0 PhdDevice for sensors, PhgDevice for the gateway), created conditionally on
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

    public func gatewayDeviceURL() -> String { gatewayURL }

    public func sensorDeviceURL(_ key: SensorKey) -> String {
        sensorURLs.url(for: key) { "urn:uuid:" + ReadingIdentity.derivedIdentifier(key.rawValue, role: "sensor-device") }
    }

    /// MDC_MOC_VMS_MDS_SIMP: the type every PHD carries (PhdDevice.fsh `type.coding[PhdCode] = $Mdc#65573`).
    static let simplePHD = FHIRCoding.mdc(65573, "MDC_MOC_VMS_MDS_SIMP")
    /// MDC_TIME_SYNC_NTPV4 (ValueSet.MDCTimeSyncMethods.fsh): the hub's clock follows NTP (systemd-timesyncd).
    static let ntpTimeSync = FHIRCoding.mdc(532226, "MDC_TIME_SYNC_NTPV4")
    static let timeSyncProtocol = FHIRCoding.mdc(68220, "MDC_TIME_SYNC_PROTOCOL")
    static let negatedRegulationStatus = FHIRCoding(CodeSystem.asn1ToHL7, "532354.0", "negated-regulation-status")
    static let dataAbsentReasonExtension = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

    /// The gateway's own Device (PhgDevice.fsh; its ^purpose: system identifier, time synchronisation method,
    /// manufacturer and model, and what it supports).
    public func gatewayDevice() -> BundleEntry { gatewayEntry }

    func buildGatewayDevice() -> BundleEntry {
        let gateway = configuration.gateway
        let systemID = gateway.systemID.flatMap(Self.eui64) ?? Self.derivedSystemID(gateway.identifier)
        var resource: [String: JSON] = [
            "resourceType": "Device",
            "meta": ["profile": [.string(FHIRURL.phgDevice)]],
            "identifier": [
                ["system": .string(configuration.gatewayIdentifierSystem), "value": .string(gateway.identifier)],
                Self.typedIdentifier("SYSID", system: CodeSystem.ieeeSystemID, value: systemID),
            ],
            "type": ["coding": [FHIRCoding.mdc(531981, "MDC_MOC_VMS_MDS_AHD").json], "text": "Personal health gateway"],
            // Every specialization the hub forwards (PhgDevice.fsh `specialization contains MDCType 1..*`).
            "specialization": .array(Set(Self.specializations.values).sorted { $0.code < $1.code }.map {
                ["systemType": ["coding": [$0.json]]]
            }),
            "version": [Self.version(Self.softwareVersion, "Software revision", gateway.softwareVersion)],
            "property": [
                ["type": ["coding": [Self.timeSyncProtocol.json]], "valueCode": [["coding": [Self.ntpTimeSync.json]]]],
                // The bit is *negated*: set (Y) = not regulated (CodeSystem.ASN1ToHL7.fsh 532354.0).
                ["type": ["coding": [Self.negatedRegulationStatus.json]],
                 "valueCode": [["coding": [FHIRCoding(CodeSystem.yesNo, gateway.isRegulated ? "N" : "Y").json],
                                "text": .string(gateway.isRegulated ? "Regulated device" : "Not a regulated device")]]],
            ],
        ]
        resource.merge(Self.required("manufacturer", gateway.manufacturer)) { $1 }
        resource.merge(Self.required("modelNumber", gateway.model)) { $1 }
        resource["serialNumber"] = gateway.serialNumber.map(JSON.string)
        return BundleEntry(
            fullUrl: gatewayDeviceURL(), resourceType: "Device", resource: .object(resource),
            identifierSystem: configuration.gatewayIdentifierSystem, identifierValue: gateway.identifier)
    }

    /// A sensor's Device (PhdDevice.fsh) from what the store knows about it; `kind` names its specialisation
    /// when the record does not.
    public func sensorDevice(_ key: SensorKey, record: SensorRecord?, kind: ReadingKind?) -> BundleEntry {
        var identifiers: [JSON] = [
            ["system": .string(configuration.sensorIdentifierSystem), "value": .string(key.rawValue)],
        ]
        if let systemID = record?.systemID.flatMap(Self.eui64) {
            identifiers.append(Self.typedIdentifier("SYSID", system: CodeSystem.ieeeSystemID, value: systemID))
        }
        // PhdDevice-notes.md "System Identifier": a Bluetooth device without a system id is identified by its
        // transport address; the hub's sensor keys are "bt:<address>", so an unknown sensor still has one.
        let keyAddress = key.rawValue.hasPrefix("bt:") ? String(key.rawValue.dropFirst(3)) : key.rawValue
        if let address = (record?.address).flatMap(Self.eui48) ?? Self.eui48(keyAddress) {
            identifiers.append(Self.typedIdentifier("BTMAC", system: CodeSystem.bluetoothAddress, value: address))
        }
        var resource: [String: JSON] = [
            "resourceType": "Device",
            "meta": ["profile": [.string(FHIRURL.phdDevice)]],
            "identifier": .array(identifiers),
            "type": ["coding": [Self.simplePHD.json], "text": "Personal health device"],
        ]
        resource.merge(Self.required("manufacturer", record?.manufacturer)) { $1 }
        resource.merge(Self.required("modelNumber", record?.model)) { $1 }
        resource["serialNumber"] = record?.serial.map(JSON.string)
        if let model = record?.model {
            resource["deviceName"] = [["name": .string(model), "type": "model-name"]]
        }
        let profileKind = record?.profile.flatMap(ReadingKind.init(rawValue:)) ?? kind
        // PhdDevice.fsh: specialization 1.. with its version 1..; a Bluetooth SIG profile device reports no
        // IEEE 11073 specialization version, so the version says it is unknown (data-absent-reason) rather than
        // invent one. Without a known kind the device is MDC_DEV_SPEC_PROFILE_GENERIC.
        let specialization = profileKind.flatMap({ Self.specializations[$0] }) ?? Self.genericSpecialization
        resource["specialization"] = [[
            "systemType": ["coding": [specialization.json]], "_version": Self.unknownValue,
        ]]
        var versions: [JSON] = []
        if let value = record?.firmware { versions.append(Self.version(Self.firmwareVersion, "Firmware revision", value)) }
        if let value = record?.software { versions.append(Self.version(Self.softwareVersion, "Software revision", value)) }
        if let value = record?.hardware { versions.append(Self.version(Self.hardwareVersion, "Hardware revision", value)) }
        // PhdDevice.fsh `version contains MDCType 1..*`: a device that told none has an unknown firmware revision.
        resource["version"] = .array(versions.isEmpty ? [Self.version(Self.firmwareVersion, "Firmware revision", nil)] : versions)
        return BundleEntry(
            fullUrl: sensorDeviceURL(key), resourceType: "Device", resource: .object(resource),
            identifierSystem: configuration.sensorIdentifierSystem, identifierValue: key.rawValue)
    }

    static let genericSpecialization = FHIRCoding.mdc(528457, "MDC_DEV_SPEC_PROFILE_GENERIC")

    /// The primitive's element extension saying its value is unknown: how FHIR fills a required element the
    /// device did not report.
    static let unknownValue: JSON = ["extension": [["url": .string(dataAbsentReasonExtension), "valueCode": "unknown"]]]

    /// `name` with its value, or, for a required element the device did not report, `_name` saying it is unknown.
    static func required(_ name: String, _ value: String?) -> [String: JSON] {
        value.map { [name: .string($0)] } ?? ["_" + name: unknownValue]
    }

    /// A hub without an IEEE EUI-64 of its own gets one derived from its identifier: stable across restarts and
    /// upgrades, with the locally-administered bit set and the group bit clear (IEEE EUI-64 rules), so that it
    /// cannot collide with a manufacturer-assigned id (PhgDevice.fsh ^purpose: a PHG has a system identifier).
    static func derivedSystemID(_ identifier: String) -> String {
        let digest = ReadingIdentity.derivedIdentifier(identifier, role: "gateway-system-id").filter(\.isHexDigit)
        var bytes = stride(from: 0, to: 16, by: 2).map { offset -> UInt8 in
            let start = digest.index(digest.startIndex, offsetBy: offset)
            return UInt8(digest[start..<digest.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
        bytes[0] = (bytes[0] | 0x02) & 0xFE
        return bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
            .joined(separator: "-")
    }

    /// A `Device.version`; an unknown value says so (data-absent-reason) rather than being left out.
    static func version(_ type: FHIRCoding, _ text: String, _ value: String?) -> JSON {
        var version: [String: JSON] = ["type": ["coding": [type.json], "text": .string(text)]]
        version.merge(required("value", value)) { $1 }
        return .object(version)
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
