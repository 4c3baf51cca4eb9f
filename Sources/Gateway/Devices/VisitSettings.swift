public import BlueZ
public import Foundation

/// Timing of one device visit; the daemon derives it from the configuration, tests shorten it.
public struct VisitSettings: Sendable {
    public var timeZone: TimeZone
    public var connectPolicy: ConnectRetryPolicy
    /// How long to wait for GATT objects after ServicesResolved (BlueZ may export them later).
    public var characteristicTimeout: Duration
    /// A device that neither hangs up nor sends anything for this long is done.
    public var quietPeriod: Duration
    /// The longest a streaming device (continuous oximetry) is listened to per visit.
    public var collectionWindow: Duration
    /// How long a glucometer may take to send its records and answer the RACP request.
    public var controlPointTimeout: Duration
    /// The whole visit, connect to disconnect.
    public var visitTimeout: Duration
    /// A device clock off by more than this is set from the gateway's clock.
    public var clockTolerance: TimeInterval

    public init(
        timeZone: TimeZone, connectPolicy: ConnectRetryPolicy = .bluetoothConnect, characteristicTimeout: Duration = .seconds(10),
        quietPeriod: Duration = .seconds(5), collectionWindow: Duration = .seconds(60),
        controlPointTimeout: Duration = .seconds(60), visitTimeout: Duration = .seconds(120), clockTolerance: TimeInterval = 30
    ) {
        self.timeZone = timeZone
        self.connectPolicy = connectPolicy
        self.characteristicTimeout = characteristicTimeout
        self.quietPeriod = quietPeriod
        self.collectionWindow = collectionWindow
        self.controlPointTimeout = controlPointTimeout
        self.visitTimeout = visitTimeout
        self.clockTolerance = clockTolerance
    }
}

/// Why a visit failed, in words for the technician's status view.
public struct VisitError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var reason: String
    /// The device refused the bond bluetoothd holds for it (`BlueZError.isBondLoss`): retrying cannot help, only pairing anew.
    public var bondLost: Bool

    public init(_ step: String, _ reason: String, bondLost: Bool = false) {
        self.step = step
        self.reason = reason
        self.bondLost = bondLost
    }

    public var description: String { "\(step): \(reason)" }
}
