/// A problem in one profile file, located by file, YAML key path and (when known) line.
public struct DeviceProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        case unreadable(String)
        case syntax(String)
        case emptyDocument
        case unknownKey(allowed: [String])
        case missingKey
        case wrongType(expected: String)
        case invalidValue(String)
        case unknownService(String)
        case unknownCharacteristic(String)
        case modeNotAllowed(mode: String, characteristic: String, allowed: [String])
        case characteristicNotInService(characteristic: String, service: String)
        case duplicateCharacteristic(String)
        case duplicateProfile(id: String, otherFile: String)
        case duplicateService(service: String, otherFile: String)
        case duplicateModel(model: String, otherFile: String)
        case noProfiles
    }

    public var file: String
    /// e.g. "characteristics[1].mode"; empty for the whole document.
    public var keyPath: String
    public var line: Int?
    public var problem: Problem

    public init(file: String, keyPath: String, line: Int? = nil, problem: Problem) {
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.problem = problem
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if !keyPath.isEmpty { location += ": \(keyPath)" }
        return "\(location): \(problemText)"
    }

    private var problemText: String {
        switch problem {
        case let .unreadable(reason): return "cannot read file: \(reason)"
        case let .syntax(reason): return "invalid YAML: \(reason)"
        case .emptyDocument: return "the file holds no YAML document"
        case let .unknownKey(allowed): return "unknown key (allowed: \(allowed.joined(separator: ", ")))"
        case .missingKey: return "required key is missing"
        case let .wrongType(expected): return "expected \(expected)"
        case let .invalidValue(detail): return detail
        case let .unknownService(text): return "'\(text)' is not a health service this gateway supports"
        case let .unknownCharacteristic(text): return "'\(text)' is not a characteristic this gateway knows"
        case let .modeNotAllowed(mode, characteristic, allowed):
            return "mode '\(mode)' is not allowed for \(characteristic) (allowed: \(allowed.joined(separator: ", ")))"
        case let .characteristicNotInService(characteristic, service):
            return "\(characteristic) is not part of service \(service)"
        case let .duplicateCharacteristic(characteristic): return "\(characteristic) is listed twice"
        case let .duplicateProfile(id, otherFile): return "profile id '\(id)' is already defined in \(otherFile)"
        case let .duplicateService(service, otherFile): return "service \(service) is already described by \(otherFile)"
        case let .duplicateModel(model, otherFile): return "model '\(model)' already has its profile in \(otherFile)"
        case .noProfiles: return "no *.yaml profile files found"
        }
    }
}

/// Everything wrong with a profile directory, so a technician fixes all problems in one pass.
public struct DeviceProfileLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [DeviceProfileError]

    public init(_ errors: [DeviceProfileError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
