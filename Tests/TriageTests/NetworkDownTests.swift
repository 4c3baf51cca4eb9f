import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import HealthProfiles
import Testing
@testable import Triage

/// Local alerting must not depend on the follow-up centre being reachable.
@Suite struct NetworkDownTests {
    /// A loopback port nobody listens on: bound to port 0 to get a free one, then closed.
    private func closedLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        #expect(bound)
        return UInt16(bigEndian: address.sin_port)
    }

    /// What a forwarder does with the outbox: POST each pending Flag in a transaction Bundle; remove it only
    /// when the receiver accepted it. Returns the errors met.
    private func attemptDelivery(_ database: DatabaseQueue, to url: URL) async throws -> [any Error] {
        var errors: [any Error] = []
        for item in try await database.read({ db in try SQLiteAlertOutbox.pending(in: db) }) {
            let bundle = """
                {"resourceType":"Bundle","type":"transaction","entry":[{"resource":\(item.resourceJSON),\
                "request":{"method":"\(item.request.method)","url":"\(item.request.url)"}}]}
                """
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(bundle.utf8)
            request.timeoutInterval = 5
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                if let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) {
                    try await database.write { db in try SQLiteAlertOutbox.markDelivered(identifier: item.identifier, in: db) }
                }
            } catch {
                errors.append(error)
            }
        }
        return errors
    }

    @Test func alertIsRaisedHookRunsAndFlagWaitsWhileTheCentreIsUnreachable() async throws {
        let hookDirectory = try TempDirectory()
        var fixture = try TriageFixture(start: Oslo.date(2026, 3, 3, 19, 0), hook: try HookScripts.recorder(hookDirectory))
        try await fixture.install()

        let result = try await fixture.evaluate(Readings.spo2("84"))
        let alert = try #require(result.alertEvents.first?.alert)
        #expect(result.zone == .red)
        #expect(result.patientMessage.hasSuffix("Ring fastlegen, legevakt 116117 eller 113 ved akutt fare"))

        // Local sinks fire regardless of the network.
        await fixture.triage.deliverPendingHooks()
        #expect(try HookScripts.payloads(hookDirectory).first?["alertID"] as? String == alert.id)

        // The centre cannot be reached: delivery fails, the Flag stays.
        let port = try closedLoopbackPort()
        let errors = try await attemptDelivery(fixture.database, to: try #require(URL(string: "http://127.0.0.1:\(port)/fhir")))
        #expect(errors.count == 1)
        #expect((errors.first as? URLError)?.code == .cannotConnectToHost)

        // …durably: after a restart it is still there, complete.
        try fixture.reopen()
        let items = try fixture.outboxItems()
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(item.identifier == "triage-flag-\(alert.id)-active")
        #expect(item.flag.status == "active")
        #expect(item.flag.subject.reference == TriageFixture.subject)
        #expect(item.flag.identifier.first?.value == "urn:uuid:\(alert.id)")
        #expect(item.request.method == "PUT")
        #expect(item.request.url == "Flag?identifier=urn:ietf:rfc:3986%7Curn:uuid:\(alert.id)")
        #expect(try await fixture.triage.activeAlerts().map(\.id) == [alert.id])

        // Still offline when the patient recovers: the inactive Flag queues behind it.
        fixture.clock.advance(hours: 2)
        try await fixture.evaluate(Readings.spo2("96"))
        #expect(try fixture.outboxItems().map(\.flag.status).sorted() == ["active", "inactive"])
    }

    @Test func outboxEnqueueIsIdempotentAndTransactional() async throws {
        let fixture = try TriageFixture()
        try await fixture.install()
        let flag = TriageFHIR.flag(for: try #require(try await fixture.evaluate(Readings.spo2("85")).alertEvents.first?.alert),
                                   subjectReference: "Patient/x")
        let identifier = try #require(try fixture.outboxItems().first?.identifier)
        try await fixture.database.write { db in
            try SQLiteAlertOutbox().enqueue(alertFlag: flag, identifier: identifier, in: db)
        }
        #expect(try fixture.outboxItems().count == 1)

        // An outbox that fails makes the whole triage transaction roll back: no alert without its Flag.
        struct BrokenOutbox: AlertOutbox {
            struct Failure: Error {}
            func enqueue(alertFlag: FHIRFlag, identifier: String, in db: Database) throws { throw Failure() }
        }
        let broken = try Triage(database: fixture.database, outbox: BrokenOutbox(),
                                configuration: TriageConfiguration(subjectReference: "Patient/x"))
        await #expect(throws: BrokenOutbox.Failure.self) {
            try await broken.evaluate(readingID: "r-broken", measuredAt: fixture.clock.now,
                                      reading: Readings.bloodPressure("200", "90"))
        }
        #expect(try await fixture.triage.storedResult(readingID: "r-broken") == nil)
        #expect(try await fixture.triage.activeAlerts().count == 1)
    }
}
