/// Where the store lives and how long delivered data is kept.
public struct StoreConfiguration: Sendable, Hashable {
    /// Path of the SQLite database file. Its directory is created (0700) when missing.
    public var path: String
    /// Delivered readings older than this many days are deleted by `applyRetention`. Undelivered and
    /// parked readings are never deleted, whatever their age.
    public var retentionDays: Int
    /// How long a writer waits for a lock held by another process (the drain tool, dhoctl) before failing.
    public var busyTimeoutSeconds: Double
    /// A quota for the database file in bytes, applied as SQLite's `max_page_count` (rounded down to whole
    /// pages); nil: only the file system limits it. A write that would grow the database past it fails with
    /// `StoreError.diskFull` and changes nothing, exactly as on a full disk. A quota below the current size
    /// cannot shrink the file: the database is then full at its current size.
    public var maximumSize: Int64?

    public init(path: String, retentionDays: Int = 90, busyTimeoutSeconds: Double = 10, maximumSize: Int64? = nil) {
        self.path = path
        self.retentionDays = retentionDays
        self.busyTimeoutSeconds = busyTimeoutSeconds
        self.maximumSize = maximumSize
    }
}
