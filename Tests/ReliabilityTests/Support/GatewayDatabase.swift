import Foundation
import GRDB

/// Reads the daemon's SQLite file directly (the daemon stopped, or alongside it: WAL lets readers in), for
/// what `dhoctl` does not show: sequence numbers, the RACP cursor, `PRAGMA integrity_check`.
struct GatewayDatabase {
    let path: String

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read(body)
    }

    func integrityCheck() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Readings per identifier: every value must be 1 (the identifier is UNIQUE, so this also proves the
    /// schema still says so).
    func readingCount() async throws -> (rows: Int, distinct: Int) {
        try await read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COUNT(DISTINCT identifier) AS d FROM readings")
            return (row?["n"] ?? 0, row?["d"] ?? 0)
        }
    }

    /// Sequence numbers of the glucose records stored for `sensorKey`, ascending.
    func storedSequenceNumbers(sensorKey: String) async throws -> [Int] {
        try await read { db in
            try Int.fetchAll(db, sql: """
                SELECT sequenceNumber FROM readings WHERE sensorKey = ? AND sequenceNumber IS NOT NULL
                ORDER BY sequenceNumber
                """, arguments: [sensorKey])
        }
    }

    func racpCursor(address: String) async throws -> Int? {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT lastSequenceNumber FROM gateway_devices WHERE address = ?", arguments: [address])
        }
    }

    /// Outbox items by state.
    func outboxStates() async throws -> [String: Int] {
        try await read { db in
            var states: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                states[row["state"]] = row["n"]
            }
            return states
        }
    }
}
