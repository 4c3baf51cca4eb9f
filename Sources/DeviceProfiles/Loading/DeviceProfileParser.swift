import ConfigYAML
import Foundation
import HealthProfiles
import Yams

/// Parses and validates one profile file.
///
/// Yams does the YAML (it is the well-kept YAML library for Swift); this type adds what Codable alone does
/// not give: unknown-key detection, key paths and line numbers in errors, and the Bluetooth rules (known
/// characteristic, mode allowed for it, characteristic belongs to the service, RACP consistency).
public enum DeviceProfileParser {
    /// Profile files are a few hundred bytes; anything far larger is not one (and bounds parser work).
    static let maximumSize = 64 * 1024
    /// Flow collections nest two deep in a profile; a deeper nest is rejected before Yams recurses into it.
    static let maximumFlowDepth = 16

    public static func parse(yaml: String, file: String) throws(DeviceProfileLoadError) -> DeviceProfile {
        var errors: [DeviceProfileError] = []
        func fail(_ keyPath: String, _ line: Int?, _ problem: DeviceProfileError.Problem) {
            errors.append(DeviceProfileError(file: file, keyPath: keyPath, line: line, problem: problem))
        }

        guard yaml.utf8.count <= maximumSize else {
            throw DeviceProfileLoadError([DeviceProfileError(
                file: file, keyPath: "", problem: .invalidValue("file is larger than \(maximumSize) bytes"))])
        }
        guard flowDepth(of: yaml) <= maximumFlowDepth else {
            throw DeviceProfileLoadError([DeviceProfileError(
                file: file, keyPath: "", problem: .syntax("collections nested deeper than \(maximumFlowDepth)"))])
        }
        if let line = YAMLAnchors.firstUse(in: yaml) {
            throw DeviceProfileLoadError([DeviceProfileError(file: file, keyPath: "", line: line, problem: .syntax(YAMLAnchors.refusal))])
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw DeviceProfileLoadError([DeviceProfileError(file: file, keyPath: "", problem: .emptyDocument)])
            }
            root = node
        } catch let error as DeviceProfileLoadError {
            throw error
        } catch {
            throw DeviceProfileLoadError([DeviceProfileError(file: file, keyPath: "", problem: .syntax(syntaxSummary(error)))])
        }

        checkKeys(root, file: file, into: &errors)
        guard errors.isEmpty else { throw DeviceProfileLoadError(errors) }

        let raw: DeviceProfileFile
        do {
            raw = try YAMLDecoder().decode(DeviceProfileFile.self, from: root)
        } catch let error as DecodingError {
            throw DeviceProfileLoadError([decodingError(error, root: root, file: file)])
        } catch {
            throw DeviceProfileLoadError([DeviceProfileError(file: file, keyPath: "", problem: .syntax("\(error)"))])
        }

        let profile = validate(raw, root: root, file: file, fail: fail)
        guard errors.isEmpty, let profile else { throw DeviceProfileLoadError(errors) }
        return profile
    }

    // MARK: - Structure

    private static func checkKeys(_ root: Node, file: String, into errors: inout [DeviceProfileError]) {
        func unknown(_ mapping: Node.Mapping, allowed: [String], prefix: String) {
            for (key, _) in mapping {
                guard let name = key.scalar?.string else {
                    errors.append(.init(file: file, keyPath: prefix, line: key.mark?.line, problem: .wrongType(expected: "text keys")))
                    continue
                }
                if !allowed.contains(name) {
                    errors.append(.init(
                        file: file, keyPath: prefix.isEmpty ? name : "\(prefix).\(name)", line: key.mark?.line,
                        problem: .unknownKey(allowed: allowed)))
                }
            }
        }
        guard let top = root.mapping else {
            errors.append(.init(file: file, keyPath: "", line: root.mark?.line, problem: .wrongType(expected: "a mapping of profile keys")))
            return
        }
        unknown(top, allowed: DeviceProfileFile.topLevelKeys, prefix: "")
        if let entries = top["characteristics"]?.sequence {
            for (index, entry) in entries.enumerated() {
                if let mapping = entry.mapping { unknown(mapping, allowed: DeviceProfileFile.entryKeys, prefix: "characteristics[\(index)]") }
            }
        }
        if let timeSync = top["time_sync"]?.mapping {
            unknown(timeSync, allowed: DeviceProfileFile.timeSyncKeys, prefix: "time_sync")
        }
        if let rateLimit = top["rate_limit"]?.mapping {
            unknown(rateLimit, allowed: DeviceProfileFile.rateLimitKeys, prefix: "rate_limit")
        }
        if let settling = top["continuous_settling"]?.mapping {
            unknown(settling, allowed: DeviceProfileFile.settlingKeys, prefix: "continuous_settling")
        }
        if let range = top["measuring_range"]?.mapping {
            unknown(range, allowed: DeviceProfileFile.measuringRangeKeys, prefix: "measuring_range")
        }
    }

    private static func decodingError(_ error: DecodingError, root: Node, file: String) -> DeviceProfileError {
        switch error {
        case let .keyNotFound(key, context):
            let path = context.codingPath + [key]
            return DeviceProfileError(
                file: file, keyPath: keyPath(path), line: node(at: context.codingPath, in: root)?.mark?.line, problem: .missingKey)
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return DeviceProfileError(
                file: file, keyPath: keyPath(context.codingPath), line: node(at: context.codingPath, in: root)?.mark?.line,
                problem: .wrongType(expected: typeName(type)))
        case let .dataCorrupted(context):
            return DeviceProfileError(
                file: file, keyPath: keyPath(context.codingPath), line: node(at: context.codingPath, in: root)?.mark?.line,
                problem: .invalidValue(context.debugDescription))
        @unknown default:
            return DeviceProfileError(file: file, keyPath: "", problem: .invalidValue("\(error)"))
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "true or false"
        case is Int.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is String.Type: return "text"
        case is [DeviceProfileFile.Entry].Type, is [String].Type: return "a list"
        default: return "a mapping"
        }
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? yamlName(key) : ".\(yamlName(key))"
            }
        }
        return text
    }

    /// The snake_case YAML key a coding key stands for.
    private static func yamlName(_ key: any CodingKey) -> String {
        DeviceProfileFile.CodingKeys(stringValue: key.stringValue)?.rawValue
            ?? DeviceProfileFile.RateLimitEntry.CodingKeys(stringValue: key.stringValue)?.rawValue
            ?? DeviceProfileFile.SettlingEntry.CodingKeys(stringValue: key.stringValue)?.rawValue ?? key.stringValue
    }

    private static func node(at path: [any CodingKey], in root: Node) -> Node? {
        var current: Node? = root
        for key in path {
            if let index = key.intValue {
                guard let sequence = current?.sequence, index >= 0, index < sequence.count else { return current }
                current = sequence[index]
            } else {
                guard let next = current?.mapping?[yamlName(key)] else { return current }
                current = next
            }
        }
        return current
    }

    /// The line of the key (or list element) at `path`, e.g. ("characteristics", "1", "mode").
    static func line(_ root: Node, _ path: String...) -> Int? {
        var current: Node? = root
        var line: Int?
        for component in path {
            if let index = Int(component) {
                current = current?.sequence.flatMap { index < $0.count ? $0[index] : nil }
                line = current?.mark?.line
            } else {
                let pair = current?.mapping?.first { $0.key.scalar?.string == component }
                current = pair?.value
                line = pair?.key.mark?.line
            }
        }
        return line
    }

    // MARK: - Bluetooth rules

    private static func validate(
        _ raw: DeviceProfileFile, root: Node, file: String, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> DeviceProfile? {
        let id = raw.id.trimmingCharacters(in: .whitespaces)
        if id.isEmpty || !id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
            fail("id", line(root, "id"), .invalidValue("'\(raw.id)' must be lower-case letters, digits and '-'"))
        }
        if raw.name.trimmingCharacters(in: .whitespaces).isEmpty {
            fail("name", line(root, "name"), .invalidValue("must not be empty"))
        }
        let service = BluetoothUUID(raw.service).flatMap(\.short).flatMap(GATTService.init(rawValue:))
        if service == nil || !CharacteristicRules.profileServices.contains(service!) {
            fail("service", line(root, "service"), .unknownService(raw.service))
        }

        let broadcast = validateTransport(raw, root: root, fail: fail)
        let entries = raw.characteristics ?? []
        var uses: [CharacteristicUse] = []
        if entries.isEmpty, broadcast == nil {
            fail("characteristics", line(root, "characteristics"), .invalidValue("must list at least one characteristic"))
        }
        for (index, entry) in entries.enumerated() {
            let path = "characteristics[\(index)]"
            guard let characteristic = GATTCharacteristic(identifier: entry.uuid) else {
                fail("\(path).uuid", line(root, "characteristics", "\(index)", "uuid"), .unknownCharacteristic(entry.uuid))
                continue
            }
            let label = characteristic.displayName
            guard let mode = AccessMode(rawValue: entry.mode) else {
                fail("\(path).mode", line(root, "characteristics", "\(index)", "mode"), .invalidValue(
                    "'\(entry.mode)' is not a mode (\(AccessMode.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            let allowed = CharacteristicRules.allowedModes(of: characteristic)
            if !allowed.contains(mode) {
                fail("\(path).mode", line(root, "characteristics", "\(index)", "mode"), .modeNotAllowed(
                    mode: mode.rawValue, characteristic: label, allowed: allowed.map(\.rawValue)))
            }
            if let service, !CharacteristicRules.characteristics(of: service).contains(characteristic) {
                fail("\(path).uuid", line(root, "characteristics", "\(index)", "uuid"), .characteristicNotInService(
                    characteristic: label, service: serviceLabel(service)))
            }
            if uses.contains(where: { $0.characteristic == characteristic }) {
                fail("\(path).uuid", line(root, "characteristics", "\(index)", "uuid"), .duplicateCharacteristic(label))
            }
            uses.append(CharacteristicUse(characteristic, mode, required: entry.required))
        }
        // Only when every entry was understood: otherwise this would repeat an error already reported.
        if !uses.isEmpty, uses.count == entries.count,
           !uses.contains(where: { $0.mode == .notify || $0.mode == .indicate }) {
            fail("characteristics", line(root, "characteristics"), .invalidValue("no measurement to subscribe to (notify or indicate)"))
        }

        let racp = raw.racp ?? false
        let listsRACP = uses.contains { $0.characteristic == .recordAccessControlPoint }
        if racp && !listsRACP {
            fail("racp", line(root, "racp"), .invalidValue(
                "racp is true but the Record Access Control Point (2A52, control-point) is not listed"))
        } else if !racp && listsRACP {
            fail("racp", line(root, "racp") ?? line(root, "characteristics"), .invalidValue(
                "the Record Access Control Point is listed, so racp must be true"))
        }

        var timeSync: TimeSync?
        if let entry = raw.timeSync {
            let syncService = BluetoothUUID(entry.service).flatMap(\.short).flatMap(GATTService.init(rawValue:))
            let characteristic = GATTCharacteristic(identifier: entry.characteristic)
            let order = clockStepOrder(entry.when, root: root, fail: fail)
            let writing = clockWriting(entry, root: root, fail: fail)
            switch (syncService, characteristic) {
            case (.currentTime?, .currentTime?):
                timeSync = TimeSync(service: .currentTime, characteristic: .currentTime, required: entry.required ?? false, when: order,
                                    write: writing.write, format: writing.format)
            case let (syncService?, .dateTime?) where syncService == service:
                timeSync = TimeSync(service: syncService, characteristic: .dateTime, required: entry.required ?? false, when: order,
                                    write: writing.write, format: writing.format)
            default:
                fail("time_sync", line(root, "time_sync"), .invalidValue(
                    "must be Current Time 2A2B in service 1805, or Date Time 2A08 in the profile's own service"))
            }
        }

        var information: [GATTCharacteristic] = []
        let allowedInformation = CharacteristicRules.characteristics(of: .deviceInformation)
        for (index, text) in (raw.deviceInformation ?? []).enumerated() {
            let path = "device_information[\(index)]"
            guard let characteristic = GATTCharacteristic(identifier: text) else {
                fail(path, line(root, "device_information", "\(index)"), .unknownCharacteristic(text))
                continue
            }
            if !allowedInformation.contains(characteristic) {
                fail(path, line(root, "device_information", "\(index)"), .characteristicNotInService(
                    characteristic: characteristic.displayName, service: serviceLabel(.deviceInformation)))
            } else if information.contains(characteristic) {
                fail(path, line(root, "device_information", "\(index)"), .duplicateCharacteristic(characteristic.displayName))
            }
            information.append(characteristic)
        }

        let rateLimit = validateRateLimit(raw.rateLimit, root: root, fail: fail)
        let models = validateModels(raw.models, root: root, fail: fail)

        guard let service else { return nil }
        var profile = DeviceProfile(
            id: id, name: raw.name, service: service, bondingRequired: raw.bondingRequired, characteristics: uses,
            racp: racp, timeSync: timeSync, deviceInformation: information, rateLimit: rateLimit, models: models,
            sourceFile: file)
        profile.multiUser = raw.multiUser ?? false
        profile.broadcast = broadcast
        profile.advertisedState = validateAdvertisedState(raw, broadcast: broadcast != nil, root: root, fail: fail)
        profile.userConsent = raw.userConsent ?? false
        if profile.userConsent, !profile.multiUser {
            fail("user_consent", line(root, "user_consent"), .invalidValue("only for a multi_user device (set multi_user: true)"))
        }
        profile.continuousSettling = validateSettling(raw.continuousSettling, uses: uses, root: root, fail: fail)
        profile.measuringRange = validateMeasuringRange(raw.measuringRange, uses: uses, root: root, fail: fail)
        return profile
    }

    /// `rate_limit`: every key optional, each defaulting to `RateLimit.spotCheck`'s value.
    private static func validateRateLimit(
        _ entry: DeviceProfileFile.RateLimitEntry?, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> RateLimit {
        var limit = RateLimit.spotCheck
        guard let entry else { return limit }
        if let rate = entry.readingsPerMinute {
            if RateLimit.readingsPerMinuteRange.contains(rate) { limit.readingsPerMinute = rate } else {
                fail("rate_limit.readings_per_minute", line(root, "rate_limit", "readings_per_minute"),
                     .invalidValue("must be between 0.01 and 600 (got \(rate))"))
            }
        }
        if let burst = entry.burst {
            if RateLimit.burstRange.contains(burst) { limit.burst = burst } else {
                fail("rate_limit.burst", line(root, "rate_limit", "burst"),
                     .invalidValue("must be between 1 and 100000 readings (got \(burst))"))
            }
        }
        if let calm = entry.calmAfterSeconds {
            if RateLimit.calmAfterRange.contains(calm) { limit.calmAfterSeconds = calm } else {
                fail("rate_limit.calm_after_seconds", line(root, "rate_limit", "calm_after_seconds"),
                     .invalidValue("must be between 1 and 86400 seconds (got \(calm))"))
            }
        }
        return limit
    }

    static func serviceLabel(_ service: GATTService) -> String {
        "0x" + String(service.rawValue, radix: 16, uppercase: true)
    }

    /// Deepest nesting of flow collections ([ ] and { }), counted conservatively (quotes ignored).
    static func flowDepth(of text: String) -> Int {
        var depth = 0, deepest = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            default:
                break
            }
        }
        return deepest
    }

    /// Yams' own message names line and column and shows the offending line; keep its first line.
    private static func syntaxSummary(_ error: any Error) -> String {
        String(String(describing: error).split(separator: "\n", maxSplits: 1).first ?? "")
    }
}
