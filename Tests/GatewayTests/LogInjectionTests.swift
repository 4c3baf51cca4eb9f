import Foundation
import GatewayTestSupport
import Testing
@testable import Gateway

/// A control command named "status\n<2>storage-full…" wrote a forged critical line to the journal (journald
/// files a line starting "<2>" as critical). Everything logged is escaped in the log handler.
extension SecurityTests {
    @Test func aCommandNameWithANewlineCannotForgeAJournalLine() async throws {
        let gateway = try await GatewayHarness.start(startDaemon: false)
        // As under systemd: the handler then writes journald's "<priority>" prefixes.
        try await gateway.startDaemon(environment: ["JOURNAL_STREAM": "8:4242"])
        let forged = "<2>storage-full: the reading store is full, readings are being lost"
        let name = "status\n\(forged)\r\n\u{1B}[2K\u{85}<3>bluetooth-unavailable"
        let client = ControlClient(path: gateway.controlSocket)
        let refusal = try await onOwnThread { () -> ControlError? in
            do throws(ControlError) { _ = try client.send(ControlRequest(id: 1, command: name), onPrompt: { _, _ in nil }) } catch {
                return error
            }
            return nil
        }
        #expect(refusal?.code == "unknown-command")
        try await gateway.waitUntil("the command in the log") { gateway.daemonLog.contains("storage-full") }

        let log = gateway.daemonLog
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("<2>") || $0.hasPrefix("<3>bluetooth") }, "\(log)")
        #expect(!log.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" || $0 == "\u{85}" })
        #expect(log.contains(#"status\n<2>storage-full: the reading store is full, readings are being lost\r\n\u{1B}[2K\u{85}<3>"#), "\(log)")
        await gateway.stop()
    }
}
