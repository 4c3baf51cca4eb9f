import ArgumentParser
import Foundation
import HealthProfiles
import ReadingStore

/// Durable ingest rate: `ReadingStore.ingest` (one transaction per reading, WAL, synchronous = FULL) against
/// the sqlite3 CLI executing the same statements with the same settings, on the same schema and disk.
struct IngestBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Durable ingest rate vs the sqlite3 CLI doing the same inserts.")

    @Option(help: "Readings to ingest.")
    var count = 2000

    @Option(help: "Directory for the databases (default: a new temporary directory). Use the target disk.")
    var directory: String?

    @Option(help: "Rounds, alternating store and CLI on fresh files; the medians are reported.")
    var rounds = 3

    @Flag(help: "Only measure the store (for profiling).")
    var storeOnly = false

    func run() async throws {
        ResultTable.print(try await Self.measure(count: count, rounds: rounds, directory: directory, storeOnly: storeOnly).rows)
    }

    /// Alternates store and CLI on fresh files for `rounds` rounds and reports the medians (and the store's
    /// median rate, the reference of the latency figures).
    static func measure(count: Int, rounds: Int, directory: String?, storeOnly: Bool = false) async throws
        -> (rows: [BenchRow], storeRate: Double)
    {
        let root = try directory ?? BenchSupport.temporaryDirectory()
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }
        let readings = (0..<count).map(BenchSupport.reading)
        let script = try sqlScript(readings)
        var storeRates: [Double] = []
        var cliRates: [Double] = []
        var cpu: [Double] = []
        print("durable ingest, \(count) readings, one transaction each, WAL, each commit synced (synchronous=FULL), in \(root)")
        for round in 1...max(1, rounds) {
            let (storeRate, storeCPU) = try await measureStore(readings, path: root + "/store-\(round).sqlite")
            storeRates.append(storeRate)
            cpu.append(storeCPU)
            var line = "  round \(round): ReadingStore.ingest \(Fmt.fixed(storeRate)) readings/s "
                + "(CPU \(Fmt.fixed(storeCPU)) µs/reading)"
            if !storeOnly {
                let cliRate = try await measureCLI(script, count: count, path: root + "/cli-\(round).sqlite", directory: root)
                cliRates.append(cliRate)
                line += ", sqlite3 CLI \(Fmt.fixed(cliRate)) readings/s"
            }
            print(line)
        }
        let storeMedian = BenchSupport.median(storeRates)
        let what = "\(count) readings × \(max(1, rounds)) rounds, one transaction each (WAL, each commit synced as synchronous=FULL does)"
        var rows = [BenchRow(
            "Durable ingest", "ReadingStore.ingest, " + what,
            "\(Fmt.fixed(storeMedian, 0)) readings/s (median), CPU \(Fmt.fixed(BenchSupport.median(cpu), 0)) µs/reading")]
        if !cliRates.isEmpty {
            let cliMedian = BenchSupport.median(cliRates)
            rows.append(BenchRow(
                "Durable ingest", "sqlite3 CLI, the same statements and settings", "\(Fmt.fixed(cliMedian, 0)) readings/s (median)",
                "store/CLI **\(Fmt.ratio(storeMedian / cliMedian))**"))
        }
        return (rows, storeMedian)
    }

    /// Readings per second and CPU microseconds per reading through `ReadingStore.ingest`.
    static func measureStore(_ readings: [Reading], path: String) async throws -> (Double, Double) {
        let store = try ReadingStore.open(StoreConfiguration(path: path))
        let clock = ContinuousClock()
        let cpuBefore = BenchSupport.cpuSeconds()
        let started = clock.now
        for reading in readings {
            _ = try await store.ingest(
                reading, rawFrame: BenchSupport.frame, sensor: BenchSupport.sensor, receivedAt: Date(),
                measuredAt: Date())
        }
        let elapsed = (clock.now - started).inSeconds
        let cpu = BenchSupport.cpuSeconds() - cpuBefore
        try store.close()
        return (Double(readings.count) / elapsed, cpu * 1e6 / Double(readings.count))
    }

    /// Readings per second for the sqlite3 CLI running `script` on a schema made by the store's migrations.
    static func measureCLI(_ script: String, count: Int, path: String, directory: String) async throws -> Double {
        try ReadingStore.open(StoreConfiguration(path: path)).close()
        let clock = ContinuousClock()
        let started = clock.now
        let output = try await BenchSupport.run(["sqlite3", path], stdin: script, in: directory)
        let elapsed = (clock.now - started).inSeconds
        guard output.status == 0 else { throw ValidationError("sqlite3 failed with status \(output.status): \(output.stderr)") }
        return Double(count) / elapsed
    }

    /// The statements `ingest` executes per reading, as text: duplicate check, sensor row, reading, outbox.
    static func sqlScript(_ readings: [Reading]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let digits = Array("0123456789abcdef")
        func hex(_ bytes: some Sequence<UInt8>) -> String {
            var text = "X'"
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return text + "'"
        }
        // The store's own settings (`StorePragmas`; the page size is the file's, made by the store's migrations).
        var lines = ["PRAGMA journal_mode = WAL;", "PRAGMA synchronous = FULL;", "PRAGMA foreign_keys = ON;",
                     "PRAGMA wal_autocheckpoint = \(StorePragmas.walAutocheckpointFrames);",
                     "PRAGMA journal_size_limit = \(StorePragmas.journalSizeLimitBytes);"]
        let sensor = BenchSupport.sensor.rawValue
        for reading in readings {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let id = ReadingIdentity.identifier(for: reading, sensor: BenchSupport.sensor, receivedAt: Date()).rawValue
            let json = try encoder.encode(reading)
            lines.append("BEGIN IMMEDIATE;")
            lines.append("SELECT EXISTS(SELECT 1 FROM readings WHERE identifier = '\(id)') "
                + "OR EXISTS(SELECT 1 FROM reading_tombstones WHERE identifier = '\(id)');")
            lines.append("INSERT INTO sensors (key, firstSeenAt) VALUES ('\(sensor)', \(now)) ON CONFLICT(key) DO NOTHING;")
            lines.append("INSERT INTO readings (identifier, sensorKey, kind, characteristic, deviceTime, sequenceNumber, "
                + "userID, reliable, measuredAt, receivedAt, reading, rawFrame) VALUES ('\(id)', '\(sensor)', "
                + "'\(reading.kind.rawValue)', \(reading.characteristic), '\(reading.deviceTime?.description ?? "")', "
                + "NULL, 1, 1, \(now), \(now), \(hex(json)), \(hex(BenchSupport.frame)));")
            // The store's statement: the id above the outbox's high-water mark (store.v6).
            lines.append("INSERT INTO outbox (id, kind, itemKey, readingID, payload, state, enqueuedAt, nextAttemptAt) "
                + "SELECT MAX(COALESCE((SELECT MAX(id) FROM outbox), 0), COALESCE((SELECT CAST(value AS INTEGER) "
                + "FROM store_meta WHERE key = 'outboxHighWater'), 0)) + 1, "
                + "'reading', '\(id)', last_insert_rowid(), NULL, 'pending', \(now), \(now) WHERE true "
                + "ON CONFLICT DO NOTHING;")
            lines.append("COMMIT;")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
