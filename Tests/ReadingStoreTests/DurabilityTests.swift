import Foundation
import GRDB
@testable import ReadingStore
import Testing

@Suite struct DurabilityTests {
    /// WAL; the writer at NORMAL, a durable commit syncing the log itself (`CommitDurabilityTests`).
    @Test func theDatabaseRunsInWALWithItsWriterAtNormal() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        let (journal, synchronous) = try await store.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)  // FULL on the readers, which never commit
        let writerSync = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writerSync == 1)  // NORMAL, each durable commit followed by a sync of the log
        _ = try await store.ingest(Samples.glucose(sequence: 1))
        #expect(store.durableSyncs.load(ordering: .relaxed) >= 1)
    }

    /// SQLITE_FULL is simulated with PRAGMA max_page_count, the way SQLite itself tests it.
    @Test func aFullDiskIsATypedErrorAndLeavesTheDatabaseConsistent() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        var stored: [ReadingID] = []
        for sequence in UInt16(1)...5 { stored.append(try await store.ingest(Samples.glucose(sequence: sequence)).readingID) }

        let pages = try await store.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") } ?? 0
        try await store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA max_page_count = \(pages + 3)")
        }
        var failure: StoreError?
        let bigFrame = [UInt8](repeating: 0xAB, count: 3000)
        for sequence in UInt16(100)...UInt16(400) {
            do {
                stored.append(try await store.ingest(Samples.glucose(sequence: sequence), frame: bigFrame).readingID)
            } catch {
                failure = error
                break
            }
        }
        #expect(failure == .diskFull)

        #expect(try await store.integrityCheck() == ["ok"])
        #expect(try await store.readingCount() == stored.count)
        for id in stored { #expect(try await store.storedReading(id) != nil) }
        // Every stored reading still has exactly one outbox item; the failed one left neither.
        let status = try await store.outboxStatus()
        #expect(status.pending == stored.count)

        try await store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let after = try await store.ingest(Samples.glucose(sequence: 999), frame: bigFrame)
        #expect(!after.isDuplicate)
        #expect(try await store.readingCount() == stored.count + 1)
        #expect(try await store.integrityCheck() == ["ok"])
    }

    /// After `close` the database file alone holds every commit: a copy of it (a backup, a moved disk) misses
    /// nothing that was left in the WAL.
    @Test func afterCloseTheDatabaseFileAloneHoldsEveryReading() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        for sequence in UInt16(1)...40 { _ = try await store.ingest(Samples.glucose(sequence: sequence)) }
        _ = try await store.readingCount()  // a reader connection exists, as in the daemon
        try store.close()

        let copy = directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: directory.file("gateway.sqlite"), toPath: copy)
        let reopened = try ReadingStore.open(StoreConfiguration(path: copy))
        #expect(try await reopened.readingCount() == 40)
        #expect(try await reopened.outboxStatus().pending == 40)
        try reopened.close()
    }

    @Test func theDatabaseFilesAreReadableByTheOwnerOnly() async throws {
        let directory = TemporaryDirectory()
        let store = try directory.openStore()
        _ = try await store.ingest(Samples.bloodPressure())
        let path = directory.file("gateway.sqlite")
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
            #expect(try mode(of: file) == 0o600, "\(file)")
        }
    }

    /// Someone else may already hold a file that was open to them: it is refused, not tightened and used.
    @Test func looserPermissionsLeftByHandAreRefusedOnOpen() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("gateway.sqlite")
        do {
            let store = try directory.openStore()
            try store.close()
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            try directory.openStore()
        } throws: { error in
            guard case .unsafeFile(path, _) = error as? StoreError else { return false }
            return true
        }
        #expect(try mode(of: path) == 0o644)
    }

    @Test func aMissingDirectoryIsCreatedPrivate() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("var/lib/dho/gateway.sqlite")
        _ = try ReadingStore.open(StoreConfiguration(path: path))
        #expect(try mode(of: directory.file("var/lib/dho")) == 0o700)
        #expect(try mode(of: path) == 0o600)
    }

    @Test func aFileThatIsNotADatabaseIsReported() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("gateway.sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        // A private file, so that its content is what is judged.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect {
            try ReadingStore.open(StoreConfiguration(path: path))
        } throws: { error in
            if case .corrupt = error as? StoreError { return true }
            if case .cannotOpen = error as? StoreError { return true }
            return false
        }
    }

    func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
