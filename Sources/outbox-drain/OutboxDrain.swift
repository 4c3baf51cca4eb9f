import ArgumentParser
import Forwarding
import Gateway
import Foundation
import Logging
import ReadingStore
import Triage

/// Opens a reading store and forwards its outbox until nothing is waiting, then exits 0 and prints a JSON
/// summary. Used by the crash tests (killed with SIGKILL mid-drain and started again) and by technicians to
/// flush a backlog by hand. Secrets and the patient reference come from files or the environment, never
/// from the command line, where any user could read them with ps. Like the daemon, it opens the store with
/// triage's tables and adds the triage interpretation to the Observations; held readings stay held.
///
/// With `--config` it forwards exactly as the daemon configured by that file would (its database, endpoint, TLS,
/// static token or access tokens from the centre's token service, patient, identifiers, batch size, back-off):
/// the way to flush a hub's backlog by hand when the centre asks for access tokens. Stop the daemon first.
@main
struct OutboxDrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox-drain", abstract: "Forward a reading store's outbox to a FHIR receiver until it is empty.")

    @Option(help: "The gateway's configuration file: forward as that daemon would (its database, centre, credentials, access tokens); the options below are then not given.")
    var config: String?

    @Option(help: "Path of the reading store (SQLite); with --config, the configured one by default.")
    var database: String?

    @Option(help: "FHIR base URL (https, or http to loopback only).")
    var url: String?

    @Option(help: "PEM CA file for the receiver's certificate.")
    var caFile: String?

    @Option(help: "PEM client certificate.")
    var clientCertificate: String?

    @Option(help: "PEM client key.")
    var clientKey: String?

    @Option(help: "File holding the bearer token (or set DHO_FHIR_TOKEN).")
    var tokenFile: String?

    @Option(help: "File holding the patient reference (or set DHO_PATIENT_REFERENCE).")
    var patientFile: String?

    @Option(help: "Gateway identifier for the gateway Device.")
    var gatewayID = "dho-gateway"

    @Option(help: "The home's time zone: the offset of effectiveDateTime (as gateway: time-zone).")
    var timeZone = "Europe/Oslo"

    @Option(help: "Where the project's FHIR extensions and code systems are published (as forwarding: canonical-base).")
    var canonicalBase = ProjectCanonical.defaultBase

    @Option(help: "Outbox items per transaction Bundle.")
    var batchSize = 50

    @Option(help: "Backoff base delay in milliseconds.")
    var baseDelayMs = 2000

    @Option(help: "Backoff cap in milliseconds.")
    var maxDelayMs = 300_000

    @Option(help: "Whole-request timeout in milliseconds.")
    var timeoutMs = 60_000

    @Option(help: "Connect timeout in milliseconds.")
    var connectTimeoutMs = 10_000

    func run() async throws {
        var logger = Logger(label: "outbox-drain")
        logger.logLevel = .warning
        let (store, forwarder) = try config.map { try configuredForwarder($0, logger: logger) } ?? optionsForwarder(logger: logger)
        let report = await forwarder.drain()
        let status = try await store.outboxStatus()
        print(#"{"delivered":\#(report.delivered),"parked":\#(report.parked),"failures":\#(report.failures),"#
            + #""bundles":\#(report.bundles),"pending":\#(status.pending),"parkedTotal":\#(status.parked)}"#)
        try store.close()
    }

    /// The daemon's own set-up from its configuration file; none of the connection options may be given beside it.
    func configuredForwarder(_ path: String, logger: Logger) throws -> (ReadingStore, Forwarder) {
        let given = [("--url", url), ("--ca-file", caFile), ("--client-certificate", clientCertificate),
                     ("--client-key", clientKey), ("--token-file", tokenFile), ("--patient-file", patientFile)]
            .compactMap { $0.1 == nil ? nil : $0.0 }
        guard given.isEmpty else {
            throw ValidationError("--config sets the centre and the patient; do not also give \(given.joined(separator: ", "))")
        }
        let configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.load(path: path, environment: ProcessInfo.processInfo.environment) } catch {
            throw ValidationError(error.description)
        }
        // The daemon's database: opened with every table the daemon's own start opens it with.
        let store = try ReadingStore.open(
            StoreConfiguration(path: database ?? configuration.paths.databaseFile),
            migrations: DeviceRegistry.migrations + Triage.storeMigrations + ReadingStore.centreReportMigrations, logger: logger)
        do {
            let forwarder = try CentreForwarder.make(
                configuration, store: store, technicalAlerts: TechnicalAlerts(logger: logger), logger: logger)
            return (store, forwarder)
        } catch {
            try? store.close()
            throw ValidationError(error.description)
        }
    }

    /// Everything from the options and the environment (the crash tests' way).
    func optionsForwarder(logger: Logger) throws -> (ReadingStore, Forwarder) {
        guard let database, let url else { throw ValidationError("give --config, or --database and --url") }
        let environment = ProcessInfo.processInfo.environment
        let token = try tokenFile.map { try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? environment["DHO_FHIR_TOKEN"]
        guard let patientText = try patientFile.map({ try String(contentsOfFile: $0, encoding: .utf8) })
            ?? environment["DHO_PATIENT_REFERENCE"]
        else { throw ValidationError("give --patient-file or set DHO_PATIENT_REFERENCE") }

        let endpoint = try EndpointConfiguration(
            url: url, tls: TLSOptions(caFile: caFile, clientCertificate: clientCertificate, clientKey: clientKey),
            bearerToken: try token.map { try BearerToken($0) },
            connectTimeout: .milliseconds(connectTimeoutMs), requestTimeout: .milliseconds(timeoutMs))
        let store = try ReadingStore.open(
            StoreConfiguration(path: database), migrations: Triage.storeMigrations, logger: logger)
        let mapper = FHIRMapper(configuration: FHIRMappingConfiguration(
            gateway: GatewayIdentity(identifier: gatewayID, softwareVersion: "outbox-drain"),
            patient: try PatientReference(patientText),
            timeZone: try TimeZone(identifier: timeZone) ?? { throw ValidationError("unknown time zone \(timeZone)") }(),
            canonical: try ProjectCanonical(base: canonicalBase)))
        let forwarder = Forwarder(
            store: store, transport: try CurlTransport(endpoint: endpoint), mapper: mapper,
            annotations: TriageAnnotations(),
            configuration: ForwarderConfiguration(
                batchSize: batchSize,
                retry: DeliveryBackoff(baseDelay: .milliseconds(baseDelayMs), maximumDelay: .milliseconds(maxDelayMs))),
            logger: logger)
        return (store, forwarder)
    }
}
