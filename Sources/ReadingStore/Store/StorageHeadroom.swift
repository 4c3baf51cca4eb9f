import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Room kept free for what has to follow a stored reading: its triage evaluation (which releases it to the
/// forwarder), alert Flags, delivery marks, the device's RACP cursor. A new reading that would leave less
/// than this under the quota (`StoreConfiguration.maximumSize`) or on the file system is refused as
/// `StoreError.diskFull` (the device keeps it), so that a reading which *was* stored can always be triaged
/// and delivered — a store that filled up to the last page with readings could do neither.
enum StorageHeadroom {
    /// On the file system: the hub's state partition should never come this close to full.
    static let fileSystemBytes: Int64 = 4 << 20

    /// Under the quota: a sixteenth of it, at least 32 KB and at most 4 MB.
    static func quotaBytes(_ quota: Int64) -> Int64 { min(max(quota / 16, 32 << 10), 4 << 20) }

    /// Throws `.diskFull` inside the ingest transaction when storing one more reading would eat into the
    /// headroom, under the quota or on the file system.
    static func check(_ db: Database, _ configuration: StoreConfiguration) throws {
        try checkFileSystem(of: configuration.path)
        try checkQuota(db, quota: configuration.maximumSize)
    }

    /// Free pages inside the file count as free.
    static func checkQuota(_ db: Database, quota: Int64?) throws {
        guard let quota else { return }
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let limit = try Int64.fetchOne(db, sql: "PRAGMA max_page_count") ?? Int64.max
        let reserve = (quotaBytes(quota) + pageSize - 1) / pageSize
        if pages - free + reserve >= limit { throw StoreError.diskFull }
    }

    /// Throws `.diskFull` when the file system holding `path` has less than `fileSystemBytes` available.
    /// A file system that cannot be inspected is not held against the reading.
    static func checkFileSystem(of path: String) throws(StoreError) {
        var info = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return }
        let available = Int64(info.f_bavail) * Int64(info.f_frsize)
        if available < fileSystemBytes { throw .diskFull }
    }
}
