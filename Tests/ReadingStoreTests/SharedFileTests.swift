import Foundation
import ReadingStore
import Testing

/// Several processes open the same database (the daemon, dhoctl, outbox-drain, a technician's sqlite3): one that
/// closes it must not take itself for the last user and delete `-wal` and `-shm` under the store that has it open
/// (the store once dropped its own lock on `-shm` by checking the files' modes after SQLite had opened them).
@Suite struct SharedFileTests {
    /// Runs the sqlite3 shell on `path`, as another process opening and closing the database.
    static func sqlite3(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func anotherProcessClosingTheDatabaseLeavesTheOpenStoresLogInPlace() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("gateway.sqlite")
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))

        #expect(try Self.sqlite3(path, "SELECT COUNT(*) FROM readings") == "1")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(FileManager.default.fileExists(atPath: path + "-shm"))

        // What the store commits afterwards is in the shared log: the other process sees it.
        _ = try await store.ingest(Samples.glucose(sequence: 2))
        #expect(try Self.sqlite3(path, "SELECT COUNT(*) FROM readings") == "2")
        try store.close()
    }
}
