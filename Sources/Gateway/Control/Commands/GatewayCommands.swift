import Foundation
import Logging

/// The daemon's control commands (what `dhoctl` asks for), dispatched by name. Each area lives in its own
/// file as an extension; every command returns a typed result encoded as JSON.
public struct GatewayCommands: ControlCommandHandler {
    let runtime: GatewayRuntime

    public init(runtime: GatewayRuntime) { self.runtime = runtime }

    public func handle(_ request: ControlRequest, session: ControlSession) async throws(ControlError) -> JSONValue {
        runtime.logger.info("control command", metadata: ["command": "\(request.command)", "uid": "\(session.peer.uid)"])
        let arguments = CommandArguments(request.arguments)
        switch request.command {
        case "status": return try encode(await status())
        case "devices": return try encode(await devices())
        case "scan": return try encode(await scan(arguments, session: session, requestID: request.id))
        case "pair": return try encode(await pair(arguments, session: session, requestID: request.id))
        case "forget": return try encode(await forget(arguments))
        case "visit": return try encode(await visit(arguments))
        case "device-clear-memory": return try encode(await clearMemory(arguments))
        case "readings": return try encode(await readings(arguments))
        case "alerts": return try encode(await alerts(arguments))
        case "alerts-ack": return try encode(await acknowledge(arguments))
        case "thresholds": return try encode(await thresholds())
        case "thresholds-propose": return try encode(await proposeThresholds(arguments, operatorUID: session.peer.uid))
        case "thresholds-verify": return try encode(await verifyThresholds(arguments, operatorUID: session.peer.uid))
        case "thresholds-reject": return try encode(await rejectThresholds(arguments, operatorUID: session.peer.uid))
        case "forward": return try encode(await forwardNow())
        case "parked": return try encode(await parked(arguments))
        case "parked-resend": return try encode(await resendParked(arguments))
        case "reset": return try encode(await reset(arguments))
        default: throw .unknownCommand(request.command)
        }
    }

    private func encode(_ value: some Encodable) throws(ControlError) -> JSONValue {
        do { return try JSONValue(encoding: value) } catch {
            throw ControlError("internal", "result could not be encoded: \(error)")
        }
    }

    /// Turns any failure of the parts below into a message for the technician.
    func failing<T>(_ what: String, _ body: () async throws -> T) async throws(ControlError) -> T {
        do { return try await body() } catch let error as ControlError {
            throw error
        } catch {
            throw ControlError("failed", "\(what): \(error)")
        }
    }
}

/// Typed access to a request's string arguments with technician-readable errors.
struct CommandArguments {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    func required(_ name: String) throws(ControlError) -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw .badArguments("missing --\(name)")
        }
        return value
    }

    func optional(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ControlError) -> Int {
        guard let text = optional(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .badArguments("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func flag(_ name: String) -> Bool { values[name] == "true" }
}
