import ArgumentParser
import Foundation
import GatewayTestSupport
import HealthProfiles

/// Latency of the real daemon from a device's notification to the reading being durable in SQLite, and to
/// its Observation being committed at the FHIR receiver.
///
/// One notification at a time, `interval` apart (a home's devices send a reading now and then, not a flood):
/// each sample is one reading's trip, not time spent queueing behind others. The clock starts just before
/// the simulator is asked to notify (so one D-Bus call more than a real radio); "durable" is when a read-only
/// connection first sees the committed row; "forwarded" is when the receiver committed the Observation (its
/// wall clock, the same machine's).
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Notification-to-durable and notification-to-forwarded latency of the daemon.")

    @Option(help: "Samples (after 10 warm-up notifications).")
    var samples = 300

    @Option(help: "Pause between one reading being durable and the next notification, in milliseconds.")
    var intervalMs = 50

    @Option(help: "How often the database is polled, in microseconds.")
    var pollMicroseconds = 250

    func run() async throws {
        ResultTable.print(try await DaemonFixture.with {
            try await Self.measure($0, samples: samples, interval: .milliseconds(intervalMs), poll: .microseconds(pollMicroseconds))
        })
    }

    static let warmUp = 10

    /// - Parameter ingestTransaction: seconds per `ReadingStore.ingest` transaction measured in the same run, if
    ///   any: the durable latency is compared with it (the rest is D-Bus, decoding and the frame queue).
    static func measure(
        _ fixture: DaemonFixture, samples: Int, interval: Duration, poll: Duration, ingestTransaction: Double? = nil
    ) async throws -> [BenchRow] {
        try await fixture.waitUntilListening()
        let poller = try ReadingPoller(path: fixture.gateway.databasePath, interval: poll)
        var lastID = try poller.latestID()
        var durable: [Double] = []
        var received: [Double] = []
        var sent: [String: Date] = [:]
        var taken = 0
        var reconnections = 0
        print("latency: \(samples) notifications (+\(warmUp) warm-up), \(Fmt.ms(interval.inSeconds)) apart, database polled every \(Fmt.ms(poll.inSeconds))")
        while durable.count < samples {
            let notifiedAt = Date()
            guard try await fixture.notify(DaemonFixture.spotCheck, DaemonFixture.spotCheckFrame(taken)) else {
                // The gateway ended its visit (collection window): wait for the next one.
                reconnections += 1
                try await fixture.waitUntilListening()
                continue
            }
            guard let row = await poller.next(after: lastID, timeout: .seconds(10)) else {
                throw HarnessError("notification \(taken + 1) was not stored within 10 s; daemon log:\n\(fixture.gateway.daemonLog.suffix(2000))")
            }
            lastID = row.id
            taken += 1
            if taken > warmUp {
                durable.append(row.seenAt.timeIntervalSince(notifiedAt))
                received.append(Double(row.receivedAtMs) / 1000 - notifiedAt.timeIntervalSince1970)
                sent[row.identifier] = notifiedAt
            }
            try await Task.sleep(for: interval)
        }

        let created = try await creationTimes(of: Set(sent.keys), at: fixture.gateway)
        let forwarded = sent.compactMap { identifier, notifiedAt in created[identifier].map { $0 - notifiedAt.timeIntervalSince1970 } }

        let durableP = Percentiles(durable), receivedP = Percentiles(received), forwardedP = Percentiles(forwarded)
        print("  notification → received by the daemon: \(receivedP.millisecondsSummary)")
        print("  notification → durable:                \(durableP.millisecondsSummary)")
        print("  notification → forwarded:              \(forwardedP.millisecondsSummary)")
        if reconnections > 0 { print("  (waited for \(reconnections) new visit(s) of the oximeter)") }
        let how = "\(samples) notifications one at a time"
        let durableRatio = ingestTransaction.map { "; p50 = **\(Fmt.fixed(durableP.p50 / $0))×** one bare ingest transaction" } ?? ""
        return [
            BenchRow("Latency", "Notification → frame received by the daemon (its receivedAt, 1 ms resolution)",
                     receivedP.millisecondsSummary, how),
            BenchRow("Latency", "Notification → reading durable in SQLite (committed, seen by a reader)",
                     durableP.millisecondsSummary,
                     how + ", DB polled every \(Fmt.ms(poll.inSeconds))" + durableRatio),
            BenchRow("Latency", "Notification → Observation committed at the FHIR receiver (stored, triaged, forwarded)",
                     forwardedP.millisecondsSummary, how + "; p50 = **\(Fmt.fixed(forwardedP.p50 / durableP.p50))×** the durable p50"),
        ]
    }

    /// Reading identifier -> when the receiver committed its Observation, once all of `identifiers` are there.
    static func creationTimes(of identifiers: Set<String>, at gateway: GatewayHarness) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            var created: [String: Double] = [:]
            for (key, time) in try await gateway.receiver.creationTimes("Observation") {
                // Keys are "system|value"; the value of a reading's first Observation is the reading identifier.
                if let bar = key.lastIndex(of: "|") { created[String(key[key.index(after: bar)...])] = time }
            }
            if identifiers.allSatisfy({ created[$0] != nil }) { return created }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("\(identifiers.filter { created[$0] == nil }.count) sampled readings never reached the receiver")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
