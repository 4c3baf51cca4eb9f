public import Forwarding
public import Logging
public import ReadingStore
import Triage

/// The forwarder as the gateway's configuration sets it up: the centre's endpoint, TLS and credentials (a static
/// token or access tokens from the token service), the FHIR mapping, batch size, back-off and the parked-item
/// fingerprint. The daemon and `outbox-drain --config` both build it here, so a backlog flushed by hand reaches the
/// centre exactly as the daemon would have sent it, and authenticates the same way.
public enum CentreForwarder {
    /// For tools: the forwarder alone, reporting authentication problems to `technicalAlerts` (which logs them).
    public static func make(
        _ configuration: GatewayConfiguration, store: ReadingStore, technicalAlerts: TechnicalAlerts, logger: Logger
    ) throws(StartupError) -> Forwarder {
        let centre = try CentreConnection.make(configuration.forwarding, technicalAlerts: technicalAlerts, logger: logger)
        return try make(configuration, store: store, centre: centre, logger: logger, parkedChanged: nil)
    }

    /// The daemon's: over a connection it also uses for plans and reports, telling `parkedChanged` when items park.
    static func make(
        _ configuration: GatewayConfiguration, store: ReadingStore, centre: CentreConnection, logger: Logger,
        parkedChanged: (@Sendable () async -> Void)?
    ) throws(StartupError) -> Forwarder {
        let forwarding = configuration.forwarding
        let mapper: FHIRMapper
        do { mapper = try GatewayFHIR.mapper(configuration) } catch { throw StartupError("forwarding", "\(error)") }
        return Forwarder(
            store: store, transport: centre.transport, mapper: mapper,
            annotations: TriageAnnotations(),
            configuration: ForwarderConfiguration(
                batchSize: forwarding.batchSize,
                retry: Forwarding.DeliveryBackoff(baseDelay: forwarding.initialBackoff, maximumDelay: forwarding.maximumBackoff),
                urgentRetryInterval: forwarding.urgentRetryInterval,
                parkedRetryInterval: forwarding.parkedRetryInterval,
                parkContext: centre.endpoint.fingerprint(
                    softwareVersion: GatewayVersion.current, credentials: centre.credentialsIdentity)),
            logger: logger,
            parkedChanged: parkedChanged)
    }
}
