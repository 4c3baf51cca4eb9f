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
