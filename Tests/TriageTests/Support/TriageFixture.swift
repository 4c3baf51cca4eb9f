import Forwarding
import Foundation
import Gateway
import GRDB
import HealthProfiles
import Logging
import ReadingStore
@testable import Triage

/// A mutable clock the tests move by hand: nothing in the triage tests sleeps to pass time.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    func advance(hours: Double) { now = now.addingTimeInterval(hours * 3600) }
}

/// A fresh temporary directory per test, removed on deinit.
final class TempDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("triage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Triage on a real reading store (SQLite file in a temp directory, opened with triage's migrations), alert
/// Flags in the store's outbox, and an optional hook.
struct TriageFixture {
    let directory: TempDirectory
    let clock: TestClock
    let databasePath: String
    var store: ReadingStore
    var triage: Triage
    let hook: HookCommand?

    static let subject = "Patient/test-subject"

    init(start: Date = Oslo.date(2026, 3, 3, 10, 0), hook: HookCommand? = nil, directory: TempDirectory? = nil)
        async throws
    {
        let directory = try directory ?? TempDirectory()
        self.directory = directory
        self.clock = TestClock(start)
        self.hook = hook
        self.databasePath = directory.file("gateway.sqlite").path
        (store, triage) = try await Self.open(databasePath, clock: clock, hook: hook)
    }

    static func open(_ path: String, clock: TestClock, hook: HookCommand?) async throws -> (ReadingStore, Triage) {
        var logger = Logger(label: "triage-tests")
        logger.logLevel = .critical
        let store = try ReadingStore.open(StoreConfiguration(path: path), migrations: Triage.storeMigrations, logger: logger)
        let triage = try await Triage(
            store: store, configuration: TriageConfiguration(subjectReference: subject, hook: hook),
            outbox: StoreAlertOutbox(), logger: logger,
            clock: { clock.now })
        return (store, triage)
    }

    /// Triage's tables (and, in tests that fake an earlier state, the store's) in the fixture's database.
    var database: TriageTables { TriageTables(store: store) }

    /// Closes the store and opens it again, as after a daemon restart.
    mutating func reopen() async throws {
        try store.close()
        (store, triage) = try await Self.open(databasePath, clock: clock, hook: hook)
    }

    /// Installs `yaml` as version 1 (installed from template) at the clock's current time.
    @discardableResult
    func install(_ yaml: String = TestPlans.standard) async throws -> PlanVersion {
        let document = try CarePlanDocument.parse(yaml: yaml, source: "test-plan.yaml")
        return try await triage.installPlanIfNeeded(document, installedBy: "tech-1", source: "test-plan.yaml")
    }

    private static let sequence = Counter()

    /// Evaluates `reading` measured at `measuredAt` (default: now) under a fresh reading id.
    @discardableResult
    func evaluate(_ reading: Reading, at measuredAt: Date? = nil, id: String? = nil) async throws -> TriageResult {
        try await triage.evaluate(
            readingID: id ?? "reading-\(Self.sequence.next())", measuredAt: measuredAt ?? clock.now, reading: reading)
    }

    /// The alert Flags in the store's outbox, in queue order, whatever their delivery state.
    func queuedFlags() async throws -> [QueuedFlag] {
        try await store.outboxItems(kind: .alert).map(QueuedFlag.init)
    }

    func hookRows() async throws -> [HookRow] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT status, last_error FROM triage_hook_queue ORDER BY seq")
                .map { HookRow(status: $0["status"], lastError: $0["last_error"]) }
        }
    }
}

/// One row of `triage_hook_queue`, as the tests look at it.
struct HookRow: Sendable {
    var status: String
    var lastError: String?
}

/// One alert item of the store's outbox, read back from the bytes the forwarder will send.
struct QueuedFlag {
    let item: OutboxItem
    /// The Bundle entry (the payload is a one-element array of entries).
    let entry: JSON

    init(_ item: OutboxItem) throws {
        self.item = item
        let payload = try JSON.parse(item.payload ?? [])
        guard let entries = payload.arrayValue, entries.count == 1, let entry = entries.first else {
            throw QueuedFlagError(description: "outbox item \(item.key) does not hold exactly one entry")
        }
        self.entry = entry
        // The forwarder must accept it as queued.
        _ = try BundleEntry(queued: entry)
    }

    var key: String { item.key }
    var resource: JSON { entry["resource"] ?? .null }
    var status: String? { resource["status"]?.stringValue }
    var method: String? { entry["request"]?["method"]?.stringValue }
    var url: String? { entry["request"]?["url"]?.stringValue }
    var identifierValue: String? { resource["identifier"]?.arrayValue?.first?["value"]?.stringValue }
    var subject: String? { resource["subject"]?["reference"]?.stringValue }
    var code: String? { resource["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue }
    var codeText: String? { resource["code"]?["text"]?.stringValue }
    var periodStart: String? { resource["period"]?["start"]?.stringValue }
    var periodEnd: String? { resource["period"]?["end"]?.stringValue }

    /// The extension whose URL ends with `suffix`.
    func `extension`(_ suffix: String) -> JSON? {
        resource["extension"]?.arrayValue?.first { $0["url"]?.stringValue?.hasSuffix(suffix) == true }
    }
}

struct QueuedFlagError: Error, CustomStringConvertible {
    let description: String
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int { lock.withLock { value += 1; return value } }
}

/// Instants given as Oslo wall-clock time, so tests read like the clinic's day.
enum Oslo {
    static let zone = TimeZone(identifier: "Europe/Oslo") ?? TimeZone(secondsFromGMT: 3600) ?? .current

    static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Readings as the codecs produce them.
enum Readings {
    static func spo2(_ value: String, pulse: String = "72", flags: [ReadingFlag] = []) -> Reading {
        Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E, components: [
            ReadingComponent(.oxygenSaturation, number(value), .percent),
            ReadingComponent(.pulseRate, number(pulse), .perMinute),
        ], flags: flags)
    }

    static func bloodPressure(_ systolic: String, _ diastolic: String, pulse: String = "70",
                              unit: UCUMUnit = .millimetreOfMercury, flags: [ReadingFlag] = []) -> Reading {
        Reading(kind: .bloodPressure, characteristic: 0x2A35, components: [
            ReadingComponent(.systolicPressure, number(systolic), unit),
            ReadingComponent(.diastolicPressure, number(diastolic), unit),
            ReadingComponent(.pulseRate, number(pulse), .perMinute),
        ], flags: flags)
    }

    static func weight(_ value: String, unit: UCUMUnit = .kilogram) -> Reading {
        Reading(kind: .bodyWeight, characteristic: 0x2A9D, components: [ReadingComponent(.bodyWeight, number(value), unit)])
    }

    static func glucose(_ value: String, unit: UCUMUnit) -> Reading {
        Reading(kind: .glucose, characteristic: 0x2A18, components: [ReadingComponent(.glucose, number(value), unit)])
    }

    static func temperature(_ value: String, unit: UCUMUnit) -> Reading {
        Reading(kind: .bodyTemperature, characteristic: 0x2A1C,
                components: [ReadingComponent(.bodyTemperature, number(value), unit)])
    }

    static func spo2NaN() -> Reading {
        Reading(kind: .spotCheckOximetry, characteristic: 0x2A5E, components: [
            ReadingComponent(.oxygenSaturation, MedicalFloat(sfloatBits: 0x07FF), .percent),
            ReadingComponent(.pulseRate, MedicalFloat(sfloatBits: 0x07FF), .perMinute),
        ])
    }

    static func number(_ text: String) -> MeasuredValue {
        .number(DecimalNumber(text) ?? DecimalNumber(0))
    }
}
