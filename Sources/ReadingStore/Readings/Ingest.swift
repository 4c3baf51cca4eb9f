public import Foundation
import GRDB
public import HealthProfiles

/// One reading to store, with what the gateway knows about it.
public struct IngestRequest: Sendable, Hashable {
    public var reading: Reading
    public var rawFrame: [UInt8]
    public var sensor: SensorKey
    public var receivedAt: Date
    /// The measurement instant on the gateway's clock, after the gateway corrected the device clock.
    public var measuredAt: Date
    /// Queue the reading's outbox item held: it is not forwarded until `release` (see `ingest`).
    public var held: Bool
    /// The reading may use the quota's reserve if its device holds no more than its share of the undelivered
    /// readings (`StorageHeadroom`). The gateway passes false for a device that is flooding the hub.
    public var mayUseReserve: Bool
    /// false: stored for the technician only, with no outbox item, so never forwarded nor triaged (a lent
    /// device's memory of its previous user). Such a reading is never evicted either (nothing delivers it).
    public var forward: Bool
    /// The device's record numbering (`ReadingIdentity`: a glucometer whose sequence numbers restarted).
    public var recordSeries: Int

    public init(
        reading: Reading, rawFrame: [UInt8], sensor: SensorKey, receivedAt: Date, measuredAt: Date, held: Bool = false,
        mayUseReserve: Bool = true, forward: Bool = true, recordSeries: Int = 0
    ) {
        self.reading = reading
        self.rawFrame = rawFrame
        self.sensor = sensor
        self.receivedAt = receivedAt
        self.measuredAt = measuredAt
        self.held = held
        self.mayUseReserve = mayUseReserve
        self.forward = forward
        self.recordSeries = recordSeries
    }
}

extension ReadingStore {
    /// Stores a reading and queues it for forwarding, in one durable transaction.
    ///
    /// When this returns, the reading (or the earlier copy it duplicates) is on disk: the caller may now
    /// acknowledge the device. On `StoreError.diskFull` nothing was written and the device must not be
    /// acknowledged, so it keeps the record and sends it again later.
    ///
    /// With `held: true` the outbox item is queued *held*: the forwarder does not send the reading until
    /// `release` (or `StoreUnitOfWork.release` inside another module's transaction) makes it pending. The gateway
    /// holds every reading until triage has evaluated it, so that its Observation never goes out without the
    /// triage interpretation; a crash between ingest and triage leaves the reading held, and `heldReadings()`
    /// finds it at the next start for triage to evaluate and release. A `.duplicate` does not change the
    /// state of the stored copy.
    ///
    /// Under a quota, a new reading that does not fit makes room by evicting delivered readings, and may use
    /// the reserve as `StorageHeadroom` describes (`mayUseReserve`).
    public func ingest(
        _ reading: Reading, rawFrame: [UInt8], sensor: SensorKey, receivedAt: Date, measuredAt: Date,
        held: Bool = false, mayUseReserve: Bool = true, forward: Bool = true, recordSeries: Int = 0
    ) async throws(StoreError) -> IngestOutcome {
        let request = IngestRequest(
            reading: reading, rawFrame: rawFrame, sensor: sensor, receivedAt: receivedAt, measuredAt: measuredAt,
            held: held, mayUseReserve: mayUseReserve, forward: forward, recordSeries: recordSeries)
        let prepared = try PreparedReading(request)
        let configuration = configuration
        let (outcome, evicted) = try await mapStoreErrors {
            try await commit { db in
                var evicted = 0
                let outcome = try prepared.insert(db, enqueuedAt: Date(), storage: configuration, evicted: &evicted)
                return (outcome, evicted)
            }
        }
        logEviction(evicted)
        return outcome
    }

    /// `ingest`, and then `follow` in the same commit (the gateway: the reading's triage, which releases it), run
    /// in a savepoint: when `follow` throws, its changes are undone but the reading is committed all the same
    /// (held, for triage to run again later), and its error is returned, not thrown. So a reading costs one
    /// durable commit, and a failing second step never loses the first. Throws, with nothing written, only when
    /// the reading itself cannot be stored (or SQLite abandoned the whole transaction, see
    /// `StoreUnitOfWork.attempt`). `follow` runs for a `.duplicate` too (triage is idempotent).
    public func ingest<T: Sendable>(
        _ request: IngestRequest, thenInTheSameCommit follow: @Sendable (StoreUnitOfWork, IngestOutcome) throws -> T
    ) async throws(StoreError) -> (outcome: IngestOutcome, followed: Result<T, any Error>) {
        let prepared = try PreparedReading(request)
        let configuration = configuration
        let (outcome, followed, evicted) = try await mapStoreErrors {
            try await commit { db in
                var evicted = 0
                let (outcome, item) = try prepared.insertDeferringItem(
                    db, enqueuedAt: Date(), storage: configuration, evicted: &evicted)
                // The reading's item goes in once, at its final size, after what follows has released it.
                let unit = StoreUnitOfWork(db, deferredItem: item)
                let followed = try unit.attempt { unit in try follow(unit, outcome) }
                try unit.insertDeferredItem()
                return (outcome, followed, evicted)
            }
        }
        logEviction(evicted)
        return (outcome, followed)
    }

    private func logEviction(_ evicted: Int) {
        guard evicted > 0 else { return }
        logger.info("the database is at its quota: delivered readings removed to make room", metadata: [
            "readings": "\(evicted)",
        ])
    }

    /// Stores several readings in one transaction: all or none. Meant for imports and for seeding
    /// benchmarks; the gateway acknowledges per record and so calls `ingest` per record.
    public func ingest(contentsOf requests: [IngestRequest]) async throws(StoreError) -> [IngestOutcome] {
        var prepared: [PreparedReading] = []
        prepared.reserveCapacity(requests.count)
        for request in requests { prepared.append(try PreparedReading(request)) }
        let batch = prepared
        let configuration = configuration
        return try await mapStoreErrors {
            try await commit { db in
                let now = Date()
                var evicted = 0
                return try batch.map { try $0.insert(db, enqueuedAt: now, storage: configuration, evicted: &evicted) }
            }
        }
    }
}

/// A request with its identifier computed and its reading encoded, ready for the writer queue (so the
/// serialised writer spends no time hashing or encoding).
struct PreparedReading: Sendable {
    let request: IngestRequest
    let id: ReadingID
    let json: Data

    init(_ request: IngestRequest) throws(StoreError) {
        guard request.receivedAt.isPlausibleInstant, request.measuredAt.isPlausibleInstant else {
            throw .invalidArgument("receivedAt and measuredAt must be real instants between years 1 and 9999")
        }
        self.request = request
        id = ReadingIdentity.identifier(
            for: request.reading, sensor: request.sensor, receivedAt: request.receivedAt, series: request.recordSeries)
        json = Data(StoredReadingJSONWriter.bytes(request.reading))
    }

    /// Stores the reading unless it is already known, with its outbox item; a new reading must leave the store its
    /// headroom (adds the delivered readings evicted to make room to `evicted`).
    func insert(_ db: Database, enqueuedAt: Date, storage: StoreConfiguration, evicted: inout Int) throws -> IngestOutcome {
        let (outcome, item) = try insertDeferringItem(db, enqueuedAt: enqueuedAt, storage: storage, evicted: &evicted)
        try item?.insertIfDeferred(db)
        return outcome
    }

    /// `insert`, but a new reading's outbox item is returned rather than inserted, for the caller to insert before
    /// the commit (`DeferredReadingItem`); nil for a duplicate or a reading that is not forwarded.
    func insertDeferringItem(
        _ db: Database, enqueuedAt: Date, storage: StoreConfiguration, evicted: inout Int
    ) throws -> (IngestOutcome, DeferredReadingItem?) {
        // Cached statements: compiled once per connection, not once per reading.
        let known = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS(SELECT 1 FROM readings WHERE identifier = ?1)
                OR EXISTS(SELECT 1 FROM reading_tombstones WHERE identifier = ?1)
            """), arguments: [id.rawValue]) ?? false
        if known { return (.duplicate(id), nil) }
        evicted += try StorageHeadroom.makeRoom(
            db, storage, for: request.sensor, mayUseReserve: request.mayUseReserve, now: enqueuedAt.unixMilliseconds)

        try db.cachedStatement(sql: "INSERT INTO sensors (key, firstSeenAt) VALUES (?, ?) ON CONFLICT(key) DO NOTHING")
            .execute(arguments: [request.sensor.rawValue, request.receivedAt.unixMilliseconds])
        let rowID = try ReadingRecord(self).insertReturningRowID(db)
        guard request.forward else { return (.stored(id), nil) }
        let item = DeferredReadingItem(.init(readingRowID: rowID, key: id.rawValue, enqueuedAt: enqueuedAt, held: request.held))
        return (.stored(id), item)
    }
}
