import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a new reading gets room under the quota (`StoreConfiguration.maximumSize`) and on the file system.
///
/// The quota is divided, from the top: a *headroom* kept free for what has to follow a stored reading (its
/// triage evaluation, which releases it to the forwarder; alert Flags; delivery marks; the device's RACP
/// cursor), so that a reading which *was* stored can always be triaged and delivered — a store that filled up to
/// the last page with readings could do neither; below it a *reserve* that only a reading whose device is not
/// flooding the hub and does not hold more than its share of the undelivered readings may use, so that the
/// device that filled the store (a glucometer's backlog, junk from a broken device) cannot take the room a
/// patient's red SpO2 needs; and the rest, for any reading.
///
/// When a new reading does not fit, delivered readings go first, oldest first (they are at the centre; triage
/// keeps its own copies of the values its rules need, and each leaves a tombstone so that a re-sent record is
/// still a duplicate). Undelivered readings are never evicted. A reading that still does not fit is refused as
/// `StoreError.diskFull` (the device keeps it).
enum StorageHeadroom {
    /// On the file system: the hub's state partition should never come this close to full.
    static let fileSystemBytes: Int64 = 4 << 20

    /// Under the quota: a sixteenth of it, at least 32 KB and at most 4 MB.
    static func quotaBytes(_ quota: Int64) -> Int64 { min(max(quota / 16, 32 << 10), 4 << 20) }

    /// The reserve below the headroom: as large again.
    static func reserveBytes(_ quota: Int64) -> Int64 { quotaBytes(quota) }

    /// Delivered readings evicted per step while making room: enough to free whole pages of the readings table.
    static let evictionBatch = 64

    /// Throws `.diskFull` inside the ingest transaction when one more reading of `sensor` cannot have room,
    /// after evicting delivered readings. Returns how many were evicted.
    static func makeRoom(_ db: Database, _ configuration: StoreConfiguration, for sensor: SensorKey,
                         mayUseReserve: Bool, now: Int64) throws -> Int {
        try checkFileSystem(of: configuration.path)
        guard let quota = configuration.maximumSize else { return 0 }
        let headroom = quotaBytes(quota), reserve = reserveBytes(quota)
        if try fits(db, keeping: headroom + reserve) { return 0 }
        var evicted = 0
        while true {
            let batch = try ReadingStore.deleteDeliveredReadings(db, where: "1", limit: evictionBatch, now: now)
            evicted += batch
            if try fits(db, keeping: headroom + reserve) { return evicted }
            if batch == 0 { break }
        }
        if mayUseReserve, try isWithinShare(db, sensor), try fits(db, keeping: headroom) { return evicted }
        throw StoreError.diskFull
    }

    /// Whether the pages in use leave `bytes` under the quota. Free pages inside the file count as free.
    static func fits(_ db: Database, keeping bytes: Int64) throws -> Bool {
        // Cached: every reading's commit under a quota asks (these pragmas read the file's state when run).
        let pageSize = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA page_size")) ?? 4096
        let pages = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA page_count")) ?? 0
        let free = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA freelist_count")) ?? 0
        let limit = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA max_page_count")) ?? Int64.max
        let kept = (bytes + pageSize - 1) / pageSize
        return pages - free + kept < limit
    }

    /// A device is within its share when it holds no more of the undelivered readings than an even split among
    /// the devices holding some (itself included), counting at least two: the device that alone filled the store
    /// is over it, every other device within it.
    static func isWithinShare(_ db: Database, _ sensor: SensorKey) throws -> Bool {
        let rows = try Row.fetchAll(db, sql: """
            SELECT r.sensorKey AS sensor, COUNT(DISTINCT r.id) AS undelivered FROM readings r
            JOIN outbox o ON o.readingID = r.id AND o.state != 'delivered'
            GROUP BY r.sensorKey
            """)
        var own = 0, total = 0
        for row in rows {
            let key: String = row["sensor"], count: Int = row["undelivered"]
            total += count
            if key == sensor.rawValue { own = count }
        }
        let holders = max(2, rows.count + (own == 0 ? 1 : 0))
        return own * holders <= total
    }

    /// Throws `.diskFull` when the file system holding `path` has less than `fileSystemBytes` available.
    /// A file system that cannot be inspected is not held against the reading.
    static func checkFileSystem(of path: String) throws(StoreError) {
        var info = statvfs()
        guard statvfs(directory(of: path), &info) == 0 else { return }
        let available = Int64(info.f_bavail) * Int64(info.f_frsize)
        if available < fileSystemBytes { throw .diskFull }
    }

    /// The directory part of a file's path ("." for a bare name). Cut on the bytes: `NSString`'s
    /// `deletingLastPathComponent` bridged the path on every reading's commit (issue 16: with the `statvfs`, 1.8 % of
    /// the daemon's CPU under load).
    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }
}
