import Foundation
import Gateway

/// One line of the control protocol. The daemon decodes what technicians' clients send (`ControlLine`);
/// dhoctl decodes the daemon's answers (`ControlFrame`). Whatever decodes must encode to a line that decodes
/// to the same value, since both sides re-send what they decoded (prompt answers, JSON results).
enum ControlLineTarget {
    static func run(_ input: [UInt8]) {
        let line = ControlLine(decoding: input)
        switch line {
        case let .request(request):
            guard ControlLine(decoding: encoded(request)) == line else { violated("control request does not round-trip") }
        case let .answer(answer):
            guard ControlLine(decoding: encoded(answer)) == line else { violated("prompt answer does not round-trip") }
        case .malformed:
            break
        }
        guard let frame = try? JSONDecoder().decode(ControlFrame.self, from: Data(input)) else { return }
        guard let again = try? JSONDecoder().decode(ControlFrame.self, from: Data(encoded(frame))), again == frame else {
            violated("control frame does not round-trip")
        }
    }

    private static func encoded(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) } catch { violated("decoded control value does not encode: \(error)") }
    }
}
