import Foundation
import Logging
import Testing
@testable import Gateway

/// Echoes arguments, prompts when asked, fails on request: exercises every frame of the protocol.
private struct ScriptedHandler: ControlCommandHandler {
    func handle(_ request: ControlRequest, session: ControlSession) async throws(ControlError) -> JSONValue {
        switch request.command {
        case "echo":
            return .object(request.arguments.mapValues { .string($0) })
        case "ask":
            session.progress(id: request.id, message: "waiting for the device")
            guard let answer = await session.prompt(id: request.id, kind: .passkey, message: "Enter passkey") else {
                throw ControlError("cancelled", "pairing cancelled")
            }
            return .string("got \(answer)")
        case "fail":
            throw .badArguments("missing --address")
        default:
            throw .unknownCommand(request.command)
        }
    }
}

/// Runs blocking client code on its own thread, as dhoctl (a separate process) would: blocking a thread of
/// the two-thread concurrency pool would starve the server's command tasks and deadlock the test run.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

@Suite struct ControlServerTests {
    private func withServer(_ body: @escaping @Sendable (ControlClient) throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("control.sock").path
        let server = ControlServer(
            path: path, policy: ControlAccessPolicy(technicianGroup: nil), handler: ScriptedHandler(),
            logger: Logger(label: "test"))
        try server.start()
        defer { server.stop() }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        let client = ControlClient(path: path)
        try await onOwnThread { try body(client) }
    }

    @Test func resultsFailuresAndUnknownCommands() async throws {
        try await withServer { client in
            let value = try client.send(ControlRequest(id: 1, command: "echo", arguments: ["a": "b"]), onPrompt: { _, _ in nil })
            #expect(value == .object(["a": .string("b")]))
            #expect(throws: ControlError.badArguments("missing --address")) {
                try client.send(ControlRequest(id: 2, command: "fail"), onPrompt: { _, _ in nil })
            }
            #expect(throws: ControlError.unknownCommand("nope")) {
                try client.send(ControlRequest(id: 3, command: "nope"), onPrompt: { _, _ in nil })
            }
        }
    }

    @Test func promptsReachTheTechnicianAndTheirAnswerComesBack() async throws {
        try await withServer { client in
            var progress: [String] = []
            var asked: [PromptKind] = []
            let value = try client.send(
                ControlRequest(id: 7, command: "ask"),
                onPrompt: { kind, _ in asked.append(kind); return "123456" },
                onProgress: { message, _ in progress.append(message) })
            #expect(value == .string("got 123456"))
            #expect(asked == [.passkey])
            #expect(progress == ["waiting for the device"])
            #expect(throws: ControlError("cancelled", "pairing cancelled")) {
                try client.send(ControlRequest(id: 8, command: "ask"), onPrompt: { _, _ in nil })
            }
        }
    }

    @Test func unreachableDaemonIsAClearError() {
        let client = ControlClient(path: "/nonexistent/dho/control.sock")
        #expect(throws: ControlError.self) { try client.send(ControlRequest(id: 1, command: "status"), onPrompt: { _, _ in nil }) }
    }

    @Test func accessPolicyUsesKernelCredentials() {
        let policy = ControlAccessPolicy(technicianGroup: "dho-group-that-does-not-exist", daemonUID: 4242)
        #expect(policy.permits(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(policy.permits(PeerCredentials(pid: 1, uid: 4242, gid: 4242)))
        #expect(!policy.permits(PeerCredentials(pid: 1, uid: 65534, gid: 65534)))
        // nobody's primary group on Debian is nogroup (65534): membership by primary gid is honoured.
        if let nogroup = ControlAccessPolicy.groupID(named: "nogroup") {
            let byGroup = ControlAccessPolicy(technicianGroup: "nogroup", daemonUID: 4242)
            #expect(byGroup.permits(PeerCredentials(pid: 1, uid: 65534, gid: nogroup)))
        }
    }
}

/// The daemon refuses an unauthorised user by answering at once and hanging up, without reading the request. The
/// client's request may then meet a closed socket; it must still report the daemon's answer, not a broken pipe.
@Suite struct ControlClientRefusalTests {
    @Test func anAnswerSentBeforeTheDaemonHungUpIsReportedEvenWhenTheRequestCannotBeWritten() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("control.sock").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        try #require(withSocketAddress(path) { bind(listener, $0, $1) } == 0)
        try #require(listen(listener, 1) == 0)
        // Like the daemon's refusal: answer, close, never read.
        Thread {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let refusal = ControlCoding.encodeLine(
                ControlFrame.failure(id: 0, code: ControlError.notAuthorised.code, message: ControlError.notAuthorised.message))
            _ = refusal.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }.start()
        // A request far larger than the socket buffer: its write is bound to fail once the daemon has hung up.
        let request = ControlRequest(id: 1, command: "status", arguments: ["padding": String(repeating: "x", count: 4 << 20)])
        let client = ControlClient(path: path)
        let outcome = try await onOwnThread { () -> ControlError? in
            do throws(ControlError) { _ = try client.send(request, onPrompt: { _, _ in nil }) } catch { return error }
            return nil
        }
        #expect(outcome == ControlError.notAuthorised)
    }
}
