import Foundation
import GRDB
import Logging

/// Delivers queued hook events (`triage_hook_queue`) one at a time, in order, in the background.
///
/// Events are queued in the same transaction as the alert they describe, so a crash between commit and
/// delivery loses nothing: pending rows are delivered on the next `kick()` (the daemon kicks at start-up).
/// Each event is tried once; its outcome is recorded, and a failure is logged and never blocks triage.
actor HookDispatcher {
    private let database: TriageTables
    private let command: HookCommand?
    private let cues: PatientCues?
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private var worker: Task<Void, Never>?

    init(database: TriageTables, command: HookCommand?, cues: PatientCues?, logger: Logger,
         clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.command = command
        self.cues = cues
        self.logger = logger
        self.clock = clock
    }

    /// Starts delivering pending events unless a delivery run is already going.
    func kick() {
        guard command != nil || cues != nil, worker == nil else { return }
        worker = Task { await self.deliverAll() }
    }

    /// Waits until no event is pending (for shutdown and tests).
    /// Stops early if a pass makes no progress (e.g. the database refuses writes), so shutdown never hangs.
    func drain() async {
        var previous = Int.max
        while true {
            kick()
            guard let running = worker else { return }
            await running.value
            let remaining = (try? await database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM triage_hook_queue WHERE status = 'pending'")
            }) ?? 0
            if remaining == 0 || remaining >= previous { return }
            previous = remaining
        }
    }

    private func deliverAll() async {
        defer { worker = nil }
        await cues?.start()
        while true {
            let next: (seq: Int64, event: String, payload: String)?
            do {
                next = try await database.read { db in
                    try Row.fetchOne(db, sql: """
                        SELECT seq, event, payload_json FROM triage_hook_queue
                        WHERE status = 'pending' ORDER BY seq LIMIT 1
                        """).map { ($0["seq"], $0["event"], $0["payload_json"]) }
                }
            } catch {
                logger.error("triage hook queue unreadable", metadata: ["error": "\(error)"])
                return
            }
            guard let next else { return }
            let outcome = await deliver(event: next.event, payload: next.payload)
            let status: String
            var errorText: String?
            switch outcome {
            case .delivered:
                status = "delivered"
                logger.debug("triage hook delivered", metadata: ["event": "\(next.event)", "seq": "\(next.seq)"])
            case let .failed(reason):
                status = "failed"
                errorText = reason
                logger.error("triage hook failed", metadata: ["event": "\(next.event)", "seq": "\(next.seq)",
                                                             "reason": "\(reason)"])
            case .timedOut:
                status = "timed-out"
                errorText = "killed after \(command?.timeout ?? .zero)"
                logger.error("triage hook timed out and was killed",
                             metadata: ["event": "\(next.event)", "seq": "\(next.seq)", "timeout": "\(command?.timeout ?? .zero)"])
            }
            let finishedAt = clock().timeIntervalSince1970
            do {
                try await database.write { [errorText] db in
                    try db.execute(
                        sql: """
                            UPDATE triage_hook_queue
                            SET status = ?, attempts = attempts + 1, last_error = ?, finished_at = ?
                            WHERE seq = ?
                            """,
                        arguments: [status, errorText, finishedAt, next.seq])
                }
            } catch {
                logger.error("triage hook outcome not recorded", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Gives one event to the patient cues and then to the configured hook. The hook gets the events it always
    /// got; "reading-received" exists for the cues (receipt, lights) only.
    private func deliver(event: String, payload: String) async -> HookOutcome {
        var failures: [String] = []
        if let cues {
            if let decoded = try? JSONDecoder().decode(HookPayload.self, from: Data(payload.utf8)) {
                if case let .failed(reason) = await cues.deliver(decoded) { failures.append("cue: \(reason)") }
            } else {
                failures.append("cue: the queued event cannot be read")
            }
        }
        if let command, event != HookPayload.readingReceived {
            switch await HookRunner.run(command, payload: Data(payload.utf8)) {
            case .delivered: break
            case let .failed(reason): failures.append(reason)
            case .timedOut: if failures.isEmpty { return .timedOut } else { failures.append("timed out") }
            }
        }
        return failures.isEmpty ? .delivered : .failed(failures.joined(separator: "; "))
    }
}
