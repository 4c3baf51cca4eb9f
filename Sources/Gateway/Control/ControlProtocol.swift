import Foundation

/// The technician CLI's request to the daemon: one JSON object per line on the control socket.
public struct ControlRequest: Sendable, Codable, Hashable {
    public var id: Int
    public var command: String
    public var arguments: [String: String]

    public init(id: Int, command: String, arguments: [String: String] = [:]) {
        self.id = id
        self.command = command
        self.arguments = arguments
    }
}

/// What a prompt asks the technician for.
public enum PromptKind: String, Sendable, Codable {
    /// A 6-digit passkey the device shows on its display (glucometers).
    case passkey
    /// A yes/no confirmation of a passkey shown on both sides.
    case confirmation
}

/// Everything the daemon sends back on the control socket, one JSON object per line.
public enum ControlFrame: Sendable, Hashable, Codable {
    /// The final, successful answer to request `id`.
    case result(id: Int, value: JSONValue)
    /// The final, failed answer to request `id`; `message` is for the technician, `code` for scripts.
    case failure(id: Int, code: String, message: String)
    /// A question the technician must answer before request `id` can go on (passkey entry).
    case prompt(id: Int, kind: PromptKind, message: String)
    /// A progress line for a long request (scan results as they arrive).
    case progress(id: Int, message: String, detail: JSONValue?)

    private enum Key: String, CodingKey { case type, id, value, code, message, kind, detail }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let id = try container.decode(Int.self, forKey: .id)
        switch try container.decode(String.self, forKey: .type) {
        case "result": self = .result(id: id, value: try container.decode(JSONValue.self, forKey: .value))
        case "failure":
            self = .failure(id: id, code: try container.decode(String.self, forKey: .code),
                            message: try container.decode(String.self, forKey: .message))
        case "prompt":
            self = .prompt(id: id, kind: try container.decode(PromptKind.self, forKey: .kind),
                           message: try container.decode(String.self, forKey: .message))
        case "progress":
            self = .progress(id: id, message: try container.decode(String.self, forKey: .message),
                             detail: try container.decodeIfPresent(JSONValue.self, forKey: .detail))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown frame type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case let .result(id, value):
            try container.encode("result", forKey: .type); try container.encode(id, forKey: .id)
            try container.encode(value, forKey: .value)
        case let .failure(id, code, message):
            try container.encode("failure", forKey: .type); try container.encode(id, forKey: .id)
            try container.encode(code, forKey: .code); try container.encode(message, forKey: .message)
        case let .prompt(id, kind, message):
            try container.encode("prompt", forKey: .type); try container.encode(id, forKey: .id)
            try container.encode(kind, forKey: .kind); try container.encode(message, forKey: .message)
        case let .progress(id, message, detail):
            try container.encode("progress", forKey: .type); try container.encode(id, forKey: .id)
            try container.encode(message, forKey: .message); try container.encodeIfPresent(detail, forKey: .detail)
        }
    }
}

/// The technician's answer to a prompt; `answer == nil` cancels (Ctrl-C, empty input).
public struct PromptAnswer: Sendable, Codable, Hashable {
    public var id: Int
    public var answer: String?

    public init(id: Int, answer: String?) {
        self.id = id
        self.answer = answer
    }
}

/// One line a client sends on the control socket, as the daemon reads it: a request, an answer to a prompt,
/// or something else (answered with a "bad-request" failure). Lines come from any local user in the
/// technicians group, so decoding never traps and never trusts more than the JSON shape.
public enum ControlLine: Sendable, Hashable {
    case request(ControlRequest)
    case answer(PromptAnswer)
    case malformed

    public init(decoding line: [UInt8]) {
        let data = Data(line)
        if let request = try? JSONDecoder().decode(ControlRequest.self, from: data) {
            self = .request(request)
        } else if let answer = try? JSONDecoder().decode(PromptAnswer.self, from: data) {
            self = .answer(answer)
        } else {
            self = .malformed
        }
    }
}

/// A control request that failed, with a stable code for scripts and a sentence for people.
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func badArguments(_ message: String) -> ControlError { ControlError("bad-arguments", message) }
    public static func unknownCommand(_ name: String) -> ControlError {
        ControlError("unknown-command", "unknown command '\(name)'")
    }
    public static let notAuthorised = ControlError(
        "not-authorised", "permission denied: only root and members of the technicians group may use the gateway control interface")
}

enum ControlCoding {
    static func encodeLine(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own Codable types cannot fail; an empty object keeps the stream line-aligned if it did.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }
}
