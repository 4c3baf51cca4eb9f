public import Foundation

/// What an outbox item carries. Open-ended: other modules add kinds (Triage: "alert", "interpretation").
public struct OutboxKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// A stored reading; its FHIR entries are built from the `readings` row when it is sent.
    public static let reading: OutboxKind = "reading"
    /// A local alert (Triage), carried as ready-made FHIR entries in the payload.
    public static let alert: OutboxKind = "alert"
    /// A Device update, carried as ready-made FHIR entries in the payload.
    public static let device: OutboxKind = "device"
}

/// Delivery state of an outbox item.
public enum OutboxState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored but not to be sent yet (a reading waiting for triage, so that its Observation carries the
    /// triage interpretation); `release` makes it pending. Undelivered for status and retention.
    case held
    /// Waiting to be sent (possibly until `nextAttemptAt`, after a failure).
    case pending
    /// Claimed by a forwarder; returned to `pending` at the next open if that forwarder died.
    case inFlight = "in-flight"
    /// Accepted by the receiver (created, or already there).
    case delivered
    /// Rejected by the receiver (4xx); kept with the server's OperationOutcome for a technician,
    /// sent again only through `requeueParked` (the technician, or the forwarder's slow second chance) and never
    /// deleted by retention.
    case parked
}

/// How urgently an outbox item must reach the follow-up centre. Decided by whoever queues or releases it
/// (Triage: red readings and alert Flags are urgent), never guessed by the forwarder.
public enum OutboxPriority: Int, Sendable, Hashable, Codable, Comparable {
    /// The hub's own check-in: claimed after every waiting reading, so it never delays one.
    case background = -1
    case normal = 0
    /// A red reading or an alert Flag: retried at least every `urgentRetryInterval` whatever the back-off, and
    /// a technical alert while parked.
    case urgent = 1

    public static func < (lhs: OutboxPriority, rhs: OutboxPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One unit of delivery: a reading, an alert, a device update.
public struct OutboxItem: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var kind: OutboxKind
    /// Unique per kind: the reading identifier, the alert identifier...
    public var key: String
    /// For `.reading` items, the `readings` row to map.
    public var readingRowID: Int64?
    /// For other kinds, the FHIR transaction entries to send: a JSON array of Bundle.entry objects, each with
    /// `fullUrl`, `resource` and `request` (POST with `ifNoneExist` or a conditional PUT, so that a resend is
    /// idempotent).
    public var payload: [UInt8]?
    /// Items sharing a sequence key are delivered one after the other in the order they were queued (an item
    /// is not claimed while an older one with the same key waits). Successive versions of one resource (a
    /// Flag going active, then inactive) carry the resource's identity here.
    public var sequenceKey: String?
    public var state: OutboxState
    public var priority: OutboxPriority
    public var attempts: Int
    public var enqueuedAt: Date
    public var nextAttemptAt: Date
    public var lastAttemptAt: Date?
    public var lastError: String?
    public var deliveredAt: Date?
    public var parkedAt: Date?
    /// The receiver's OperationOutcome (or status line) that made the item park.
    public var parkReason: String?
    /// The forwarder's context (receiver settings, software version) when it parked the item.
    public var parkContext: String?
    /// What the module that released the item attached for the forwarder (Triage: the reading's evaluation),
    /// opaque to the store; nil when nothing was attached.
    public var annotation: [UInt8]?

}

/// What `enqueue` did.
public enum OutboxEnqueueOutcome: Sendable, Hashable {
    case enqueued(Int64)
    /// An item with the same kind and key exists already (in any state); it was left as it is.
    case alreadyQueued(Int64)

    public var itemID: Int64 {
        switch self {
        case let .enqueued(id), let .alreadyQueued(id): return id
        }
    }
}

/// Queue figures for the status API (dhoctl, the control interface, the "hub offline" check).
public struct OutboxStatus: Sendable, Hashable, Codable {
    /// Stored but held back until released (readings waiting for triage).
    public var held: Int
    public var pending: Int
    public var inFlight: Int
    public var parked: Int
    /// Parked items that are urgent (red readings, alert Flags): each one is a technical alert.
    public var parkedUrgent: Int
    /// Delivered items not yet removed by retention.
    public var delivered: Int
    /// When the oldest item still waiting for delivery (held, pending or in flight) was queued.
    public var oldestUndeliveredEnqueuedAt: Date?
    /// When the receiver last accepted something (kept across retention).
    public var lastDeliveredAt: Date?
    /// The most recent delivery error of a waiting item.
    public var lastError: String?
    /// The earliest time a waiting item may be sent (not counting items that wait behind an earlier version
    /// of the same resource: they go when that one is through).
    public var nextAttemptAt: Date?

    /// Items not yet delivered and not parked (held ones included: they are undelivered data).
    public var queueDepth: Int { held + pending + inFlight }
}

/// What the forwarder claimed: the items (in flight), the readings they refer to by row id and those readings'
/// sensors by key (a reading or sensor that is gone is absent).
public struct ClaimedBatch: Sendable {
    public var items: [OutboxItem]
    public var readings: [Int64: StoredReading]
    public var sensors: [SensorKey: SensorRecord]
    /// When nothing was due (`items` empty): what still waits, read in the claim's own transaction, so that the
    /// forwarder need not ask for the whole `outboxStatus` after every round; nil when something was claimed.
    public var waiting: OutboxWaiting?
}

/// Pending items that were not due when a claim came back empty.
public struct OutboxWaiting: Sendable, Hashable {
    /// Items are pending (waiting for their retry time, or behind an earlier version of their resource).
    public var pending: Bool
    /// As `OutboxStatus.nextAttemptAt`: the earliest time one of them may be sent.
    public var nextAttemptAt: Date?

    public init(pending: Bool, nextAttemptAt: Date?) {
        self.pending = pending
        self.nextAttemptAt = nextAttemptAt
    }
}
