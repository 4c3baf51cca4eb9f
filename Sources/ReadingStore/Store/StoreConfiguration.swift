/// Where the store lives and how long delivered data is kept.
public struct StoreConfiguration: Sendable, Hashable {
    /// Path of the SQLite database file. Its directory is created (0700) when missing.
    public var path: String
    /// Delivered readings older than this many days are deleted by `applyRetention`. Undelivered and
    /// parked readings are never deleted, whatever their age.
    public var retentionDays: Int
    /// How long a writer waits for a lock held by another process (the drain tool, dhoctl) before failing.
    public var busyTimeoutSeconds: Double

    public init(path: String, retentionDays: Int = 90, busyTimeoutSeconds: Double = 10) {
        self.path = path
        self.retentionDays = retentionDays
        self.busyTimeoutSeconds = busyTimeoutSeconds
    }
}
