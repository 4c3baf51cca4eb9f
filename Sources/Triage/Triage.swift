public import FHIRModel
public import Foundation
import GRDB
public import Logging
public import ReadingStore

/// What the daemon configures triage with.
public struct TriageConfiguration: Sendable {
    /// The FHIR reference the centre knows the patient by (e.g. "Patient/123"), supplied by the caller and
    /// put into every Flag's subject. Never logged.
    public var subjectReference: String
    /// Local command run for every alert event; nil for none.
    public var hook: HookCommand?
    /// The ready-made patient cues (speech, lights); nil for none.
    public var cues: PatientCueSettings?
    /// Told of a cue that could not be given (message) and of the next one that could (nil): a technical problem.
    public var cueProblems: @Sendable (String?) -> Void
    /// Where the project's extensions and code systems the Flags use are defined (`forwarding.canonical-base`).
    public var canonical: ProjectCanonical

    public init(subjectReference: String, hook: HookCommand? = nil, cues: PatientCueSettings? = nil,
                cueProblems: @escaping @Sendable (String?) -> Void = { _ in }, canonical: ProjectCanonical = .default) {
        self.canonical = canonical
        self.subjectReference = subjectReference
        self.hook = hook
        self.cues = cues
        self.cueProblems = cueProblems
    }

    /// Whether alert events are queued at all: for the hook, the cues or both.
    var queuesHookEvents: Bool { hook != nil || cues != nil }
}

/// Local triage of the hub's patient: traffic-light zones, habitual values, missing measurements, alerts and
/// care-plan governance, persisted in triage's own `triage_*` tables of the reading store's database.
///
/// One hub serves one patient at a time (hubs are reissued, see `forgetPatient`), so state is kept per alert
/// key ("vital:spo2", "schedule:spo2-daily") rather than per patient.
///
/// Every operation is one write transaction on the store: a reading's values, its evaluation, the release of
/// its held outbox item, the alert changes, their Flags in the store's outbox and the queued hook events
/// commit together. Local sinks (log, hook, patient message) never depend on the network: the outbox only
/// queues, and the store's forwarder delivers.
///
/// The gateway wires it up like this (the glue types `StoreAlertOutbox` and `TriageAnnotations` are the gateway's):
/// ```swift
/// let store = try ReadingStore.open(configuration, migrations: Triage.storeMigrations)
/// let triage = try await Triage(store: store, configuration: TriageConfiguration(subjectReference: patient),
///                               outbox: StoreAlertOutbox())
/// try await triage.installPlanIfNeeded(plan, installedBy: technician, source: path)
/// try await triage.evaluateHeldReadings()            // readings a crash caught between ingest and triage
/// let forwarder = Forwarder(store: store, transport: transport, mapper: mapper, annotations: TriageAnnotations())
/// // per reading the device sends:
/// let outcome = try await store.ingest(reading, rawFrame: frame, sensor: key, receivedAt: now,
///                                      measuredAt: corrected, held: true)
/// // acknowledge the device, then (releasing the reading with its evaluation attached):
/// try await triage.evaluate(readingID: outcome.readingID.rawValue, measuredAt: corrected, reading: reading)
/// forwarder.wake()
/// ```
public final class Triage: Sendable {
    /// Triage's tables: pass these to `ReadingStore.open(_:migrations:)` (together with any other module's).
    public static var storeMigrations: [StoreMigration] { TriageSchema.migrations }

    let store: ReadingStore
    let outbox: any AlertOutbox
    let configuration: TriageConfiguration
    let logger: Logger
    let clock: @Sendable () -> Date
    let hooks: HookDispatcher

    var database: TriageTables { TriageTables(store: store) }

    /// Triage on `store`, which must have been opened with `Triage.storeMigrations`.
    /// - Parameters:
    ///   - outbox: where alert Flags are queued (the gateway wires the store's outbox, `StoreAlertOutbox`).
    ///   - clock: the current time; injected so that tests never wait or depend on the real date.
    public init(
        store: ReadingStore, configuration: TriageConfiguration, outbox: any AlertOutbox,
        logger: Logger = Logger(label: "dho.triage"), clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        try await Self.requireMigrations(store)
        self.store = store
        self.outbox = outbox
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        let cues = configuration.cues.map {
            PatientCues(settings: $0, database: TriageTables(store: store), logger: logger, clock: clock, problems: configuration.cueProblems)
        }
        self.hooks = HookDispatcher(database: TriageTables(store: store), command: configuration.hook, cues: cues, logger: logger, clock: clock)
    }

    static func requireMigrations(_ store: ReadingStore) async throws {
        guard try await store.read({ db in try TriageSchema.isMigrated(db) }) else {
            throw TriageError.storeNotPrepared
        }
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

    /// Deletes every trace of the current patient (see `forgetPatient(in:)`) in a transaction of its own.
    public func forgetPatient() async throws {
        try await store.write { unit in try Self.forgetPatient(in: unit) }
        logger.notice("triage data of the previous patient deleted")
    }

    /// Deletes every trace of the current patient from triage's tables (plan versions, audit, values,
    /// baselines, zone states, alerts, queued hooks) and the alert Flags in the store's outbox, delivered or
    /// not, inside the caller's write transaction: a hub reset runs this in the same transaction as the
    /// store's and the device registry's deletions, so that a crash leaves either the previous patient whole
    /// or nothing of them — never their care plan and alerts beside a new patient's devices.
    public static func forgetPatient(in unit: StoreUnitOfWork) throws {
        for table in ["triage_alert_events", "triage_alerts", "triage_zone_state", "triage_hook_queue",
                      "triage_evaluations", "triage_values", "triage_baselines", "triage_baseline_starts",
                      "triage_audit", "triage_plan_versions"] {
            try unit.db.execute(sql: "DELETE FROM \(table)")
        }
        try unit.deleteOutboxItems(kind: .alert)
    }
}
