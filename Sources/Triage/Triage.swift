public import Foundation
public import GRDB
public import Logging

/// What the daemon configures triage with.
public struct TriageConfiguration: Sendable {
    /// The FHIR reference the centre knows the patient by (e.g. "Patient/123"), supplied by the caller and
    /// put into every Flag's subject. Never logged.
    public var subjectReference: String
    /// Local command run for every alert event; nil for none.
    public var hook: HookCommand?

    public init(subjectReference: String, hook: HookCommand? = nil) {
        self.subjectReference = subjectReference
        self.hook = hook
    }
}

/// Local triage of the hub's patient: traffic-light zones, habitual values, missing measurements, alerts and
/// care-plan governance, all persisted in triage's own `triage_*` tables of the gateway's SQLite database.
///
/// One hub serves one patient at a time (hubs are reissued, see `forgetPatient`), so state is kept per alert
/// key ("vital:spo2", "schedule:spo2-daily") rather than per patient.
///
/// Every operation is one write transaction: a reading's values, its evaluation, the alert changes, the
/// outbox Flags and the queued hook events commit together. Local sinks (log, hook, patient message) never
/// depend on the network: the outbox only queues.
public final class Triage: Sendable {
    let database: any DatabaseWriter
    let outbox: any AlertOutbox
    let configuration: TriageConfiguration
    let logger: Logger
    let clock: @Sendable () -> Date
    let hooks: HookDispatcher

    /// Migrates triage's tables in `database` (a DatabaseQueue or DatabasePool on the gateway's file).
    /// - Parameter clock: the current time; injected so that tests never wait or depend on the real date.
    public init(
        database: any DatabaseWriter, outbox: any AlertOutbox, configuration: TriageConfiguration,
        logger: Logger = Logger(label: "dho.triage"), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        try TriageSchema.migrator.migrate(database)
        self.database = database
        self.outbox = outbox
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.hooks = HookDispatcher(database: database, command: configuration.hook, logger: logger, clock: clock)
    }

    /// Runs hook events still pending (e.g. queued just before a crash). The daemon calls this at start-up;
    /// evaluate and checkSchedules start deliveries by themselves.
    public func resumeHookDeliveries() async {
        await hooks.kick()
    }

    /// Waits until every queued hook event has been run (for shutdown and tests).
    public func deliverPendingHooks() async {
        await hooks.drain()
    }

    /// Deletes every trace of the current patient from triage's tables (plan versions, audit, values,
    /// baselines, alerts, queued hooks and pending Flags) so that the hub can be reissued. The caller must
    /// have delivered or deliberately abandoned pending Flags first.
    public func forgetPatient() async throws {
        try await database.write { db in
            for table in ["triage_alert_events", "triage_alerts", "triage_zone_state", "triage_hook_queue",
                          "triage_evaluations", "triage_values", "triage_baselines", "triage_baseline_starts",
                          "triage_audit", "triage_plan_versions", "triage_outbox_pending"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
        }
        logger.notice("triage data of the previous patient deleted")
    }
}

extension String {
    /// A person's identifier as compared for the two-person rule: trimmed, case-insensitive.
    var personKey: String { trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
}
