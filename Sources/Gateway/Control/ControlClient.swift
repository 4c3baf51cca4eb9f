import Foundation

/// dhoctl's end of the control socket: sends one request and follows the conversation to its end.
public struct ControlClient: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Sends `request`; `onPrompt` answers prompts (nil = cancel), `onProgress` shows progress lines.
    /// Returns the result or throws the daemon's `ControlError`.
    public func send(
        _ request: ControlRequest,
        onPrompt: (PromptKind, String) -> String?,
        onProgress: (String, JSONValue?) -> Void = { _, _ in }
    ) throws(ControlError) -> JSONValue {
        let stream: UnixStream
        do { stream = try UnixStream.connect(path: path) } catch {
            throw ControlError("unreachable", "cannot reach the gateway daemon at \(path): \(error) (is dho-gatewayd running?)")
        }
        defer { stream.shutdownBoth() }
        do { try stream.write(ControlCoding.encodeLine(request)) } catch {
            // The daemon may have answered and hung up before the request went out (it refuses an unauthorised
            // user at once): its answer is still there to read, and says more than the broken pipe.
            if let line = try? stream.readLine(), case let .failure(_, code, message)? = try? JSONDecoder().decode(ControlFrame.self, from: Data(line)) {
                throw ControlError(code, message)
            }
            throw ControlError("unreachable", "lost the connection to the gateway daemon: \(error)")
        }
        while true {
            let line: [UInt8]?
            do { line = try stream.readLine() } catch {
                throw ControlError("unreachable", "lost the connection to the gateway daemon: \(error)")
            }
            guard let line else { throw ControlError("unreachable", "the gateway daemon closed the connection") }
            guard let frame = try? JSONDecoder().decode(ControlFrame.self, from: Data(line)) else {
                throw ControlError("protocol", "unreadable answer from the gateway daemon")
            }
            switch frame {
            case let .result(_, value): return value
            case let .failure(_, code, message): throw ControlError(code, message)
            case let .progress(_, message, detail): onProgress(message, detail)
            case let .prompt(id, kind, message):
                let answer = onPrompt(kind, message)
                do { try stream.write(ControlCoding.encodeLine(PromptAnswer(id: id, answer: answer))) } catch {
                    throw ControlError("unreachable", "lost the connection to the gateway daemon: \(error)")
                }
            }
        }
    }
}
