import Foundation
import GRDB
import HealthProfiles
#if canImport(Glibc)
import Glibc
#endif

/// Watches the daemon's database for new readings, from outside the daemon, as a second process would: a
/// read-only WAL connection that sees a reading once its transaction has committed (SQLite makes a WAL
/// commit visible only after the fsync with `synchronous = FULL`). So "seen here" means durable.
///
/// SQLite has no cross-process commit notification, so this polls every `interval` on its own thread (never on
/// the concurrency pool); the detection lags the commit by at most that interval plus one query.
final class ReadingPoller: @unchecked Sendable {
    // @unchecked: the connection is only used by one `next` at a time (the benchmark waits for each).
    private let database: DatabaseQueue
    let interval: Duration

    struct Row: Sendable {
        let id: Int64
        let identifier: String
        /// When the daemon received the frame (the reading's `receivedAt`, milliseconds since 1970).
        let receivedAtMs: Int64
        /// When this poller saw the committed row.
        let seenAt: Date
    }

    init(path: String, interval: Duration = .microseconds(250)) throws {
        var configuration = Configuration()
        configuration.readonly = true
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
    }

    func latestID() throws -> Int64 {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM readings") } ?? 0
    }

    func count(after id: Int64) throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM readings WHERE id > ?", arguments: [id]) } ?? 0
    }

    /// When the gateway last recorded a visit's end for `address` (seconds since 1970), nil before its first.
    func lastVisit(of address: String) throws -> Double? {
        try database.read { db in
            try Double.fetchOne(db, sql: "SELECT lastVisitAt FROM gateway_devices WHERE address = ?", arguments: [address])
        }
    }

    /// The first reading after `id`, as soon as it is committed; nil if none within `timeout`.
    func next(after id: Int64, timeout: Duration) async -> Row? {
        await withCheckedContinuation { continuation in
            Thread { [self] in continuation.resume(returning: poll(after: id, timeout: timeout)) }.start()
        }
    }

    private func poll(after id: Int64, timeout: Duration) -> Row? {
        let deadline = ContinuousClock.now + timeout
        let pause = useconds_t(max(1, interval.inSeconds * 1e6))
        while ContinuousClock.now < deadline {
            let found = try? database.read { db in
                try GRDB.Row.fetchOne(db, sql: "SELECT id, identifier, receivedAt FROM readings WHERE id > ? ORDER BY id LIMIT 1",
                                      arguments: [id])
            }
            if let row = found {
                return Row(id: row["id"], identifier: row["identifier"], receivedAtMs: row["receivedAt"], seenAt: Date())
            }
            usleep(pause)
        }
        return nil
    }
}
