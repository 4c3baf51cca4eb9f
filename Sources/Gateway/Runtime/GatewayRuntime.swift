public import BlueZ
import DBus
public import DeviceProfiles
public import Forwarding
public import Foundation
public import Logging
public import ReadingStore
public import Triage

/// Every long-lived part of the daemon, assembled from the configuration in dependency order:
/// store → registry → triage (+ care plan) → forwarder → BlueZ → pairing agent → device supervisor.
/// The parts that run (forwarder, maintenance, centre plans, device supervisor, control server) are started
/// and stopped as services (`GatewayServices`); the store and Bluetooth are opened here and closed last.
public final class GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let store: ReadingStore
    public let registry: DeviceRegistry
    public let triage: Triage
    public let forwarder: Forwarder
    public let catalog: DeviceProfileCatalog
    public let bluez: BlueZClient
    public let supervisor: DeviceSupervisor
    public let pairing: PairingCoordinator
    public let agent: AgentService
    public let technicalAlerts: TechnicalAlerts
    /// Fetches the care plan from the centre (`patient: care-plan: source: centre`); nil for local plans.
    let centrePlans: CentrePlanPoller?
    /// The hub's check-in, technical alerts and device inventory at the centre.
    let centreReports: CentreReports
    public let logger: Logger
    public let startedAt: Date

    private init(
        configuration: GatewayConfiguration, store: ReadingStore, registry: DeviceRegistry, triage: Triage,
        forwarder: Forwarder, catalog: DeviceProfileCatalog, bluez: BlueZClient, supervisor: DeviceSupervisor,
        pairing: PairingCoordinator, agent: AgentService, technicalAlerts: TechnicalAlerts,
        centrePlans: CentrePlanPoller?, centreReports: CentreReports, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.registry = registry
        self.triage = triage
        self.forwarder = forwarder
        self.catalog = catalog
        self.bluez = bluez
        self.supervisor = supervisor
        self.pairing = pairing
        self.agent = agent
        self.technicalAlerts = technicalAlerts
        self.centrePlans = centrePlans
        self.centreReports = centreReports
        self.logger = logger
        startedAt = Date()
    }

    /// Opens and starts everything; a failure names the part (configuration files, database, Bluetooth).
    public static func start(configuration: GatewayConfiguration, logger: Logger) async throws(StartupError) -> GatewayRuntime {
        let paths = configuration.paths
        let catalog: DeviceProfileCatalog
        do { catalog = try DeviceProfileCatalog.load(directory: paths.profilesDirectory + "/devices") } catch {
            throw StartupError("device profiles", error.description)
        }
        let plan: CarePlanDocument
        do { plan = try CarePlanDocument.load(template: carePlanTemplateURL(configuration), overrides: configuration.patient.carePlanOverrides.map(URL.init(fileURLWithPath:))) } catch {
            throw StartupError("care plan", error.description)
        }
        let technicalAlerts = TechnicalAlerts(logger: logger)
        let centre = try CentreConnection.make(configuration.forwarding, technicalAlerts: technicalAlerts, logger: logger)

        let store: ReadingStore
        do {
            store = try ReadingStore.open(
                StoreConfiguration(path: paths.databaseFile, retentionDays: configuration.retentionDays,
                                   maximumSize: configuration.storage.maximumDatabaseSize),
                migrations: DeviceRegistry.migrations + Triage.storeMigrations + ReadingStore.centreReportMigrations,
                logger: logger)
        } catch {
            switch error {
            case .cannotOpen: throw StartupError("database", error.description)
            case .unsafeFile: throw StartupError("database", error.description, exitCode: 78)
            case .corrupt:
                // Never overwritten: it may hold readings not yet delivered.
                throw StartupError("database", "\(paths.databaseFile): \(error.description); the file was left as it is: "
                    + "restore a backup or move it aside (a new, empty database is then created)")
            default: throw StartupError("database", "\(paths.databaseFile): \(error.description)")
            }
        }
        let registry = DeviceRegistry(store: store)

        let triage: Triage
        let forwarder: Forwarder
        let mapper: FHIRMapper
        do {
            let hook = configuration.alerts.hookCommand.map {
                HookCommand(executable: URL(fileURLWithPath: $0), timeout: configuration.alerts.hookTimeout)
            }
            triage = try await Triage(
                store: store,
                configuration: TriageConfiguration(
                    subjectReference: configuration.patient.reference, hook: hook, cues: configuration.alerts.cues,
                    cueProblems: { problem in
                        if let problem {
                            technicalAlerts.raise(.patientCueFailing, "a patient cue could not be given: \(problem)")
                        } else {
                            technicalAlerts.clear(.patientCueFailing)
                        }
                    }, canonical: configuration.forwarding.canonical),
                outbox: StoreAlertOutbox(), logger: logger)
            let source = configuration.patient.carePlanTemplate
            _ = try await triage.installPlanIfNeeded(plan, installedBy: configuration.patient.installedBy, source: source)
            // Not fatal: on a full disk this cannot write, and a daemon that refused to start would forward
            // nothing at all. The maintenance loop tries again.
            do {
                let recovered = try await triage.evaluateHeldReadings()
                if !recovered.isEmpty { logger.notice("triaged readings left untriaged by an earlier run", metadata: ["count": "\(recovered.count)"]) }
            } catch {
                logger.error("readings left untriaged by an earlier run could not be triaged yet: \(error)")
            }
            await triage.resumeHookDeliveries()

            mapper = try GatewayFHIR.mapper(configuration)
            forwarder = try CentreForwarder.make(
                configuration, store: store, centre: centre, logger: logger,
                parkedChanged: { [store, technicalAlerts] in
                    await ParkedItemsAlarm.check(store: store, technicalAlerts: technicalAlerts)
                })
        } catch {
            try? store.close()
            throw StartupError("triage and forwarding", "\(error)")
        }

        let bluez: BlueZClient
        do {
            let bus: DBusConnection.Bus = configuration.bluetooth.busAddress.map { .address($0) } ?? .system
            bluez = try await BlueZClient.connect(to: bus, logger: logger)
        } catch {
            try? store.close()
            throw StartupError("bluetooth", "cannot reach the system D-Bus: \(error)")
        }
        let pairing = PairingCoordinator { address in
            ((try? await registry.device(address: address.description)) ?? nil) != nil
        }
        let agent: AgentService
        do { agent = try await AgentService.start(client: bluez, agent: pairing) } catch {
            await bluez.close()
            try? store.close()
            throw StartupError("bluetooth", "cannot register the pairing agent: \(error)")
        }

        // A reset killed before bluetoothd dropped the previous patient's bonds is finished first.
        await BondRemovals.finish(registry: registry, bluez: bluez, adapterName: configuration.bluetooth.adapter, logger: logger)

        let pipeline = GatewayPipeline(
            store: store, triage: triage, timeZone: TimeZone(identifier: configuration.identity.timeZone) ?? .current,
            technicalAlerts: technicalAlerts, plausibility: configuration.plausibility, logger: logger,
            wakeForwarder: { [forwarder] in forwarder.wake() })
        let visit = VisitSettings(
            timeZone: TimeZone(identifier: configuration.identity.timeZone) ?? .current,
            connectPolicy: BlueZ.ConnectRetryPolicy(
                maxAttempts: configuration.bluetooth.connectAttempts, initialDelay: .milliseconds(300), maxDelay: .seconds(3)),
            visitTimeout: configuration.bluetooth.sessionTimeout)
        let supervisor = DeviceSupervisor(
            client: bluez, registry: registry, store: store, catalog: catalog, sink: pipeline,
            settings: .init(adapterName: configuration.bluetooth.adapter, visit: visit,
                            revisitInterval: configuration.bluetooth.revisitInterval,
                            maximumBackoff: configuration.bluetooth.maximumBackoff),
            logger: logger)
        return GatewayRuntime(
            configuration: configuration, store: store, registry: registry, triage: triage, forwarder: forwarder,
            catalog: catalog, bluez: bluez, supervisor: supervisor, pairing: pairing, agent: agent,
            technicalAlerts: technicalAlerts,
            centrePlans: configuration.patient.planSource == .centre
                ? CentrePlanPoller(
                    exchange: centre.exchange, fhirBase: centre.endpoint.url, patientReference: configuration.patient.reference,
                    gatewayID: configuration.identity.gatewayID, triage: triage, store: store,
                    interval: configuration.patient.planPollInterval, wakeForwarder: { [forwarder] in forwarder.wake() },
                    logger: logger)
                : nil,
            centreReports: CentreReports(
                store: store, registry: registry, triage: triage, mapper: mapper, alerts: technicalAlerts, configuration: configuration,
                wakeForwarder: { [forwarder] in forwarder.wake() }, logger: logger),
            logger: logger)
    }

    /// After the services have stopped (no device work, no delivery): unregisters the pairing agent, closes
    /// Bluetooth, lets queued alert hooks finish, then closes the database.
    public func shutdown() async {
        await agent.stop()
        logger.debug("shutdown: pairing agent unregistered")
        await bluez.close()
        logger.debug("shutdown: bluetooth connection closed")
        await triage.deliverPendingHooks()
        logger.debug("shutdown: alert hooks delivered")
        do { try store.close() } catch { logger.error("closing the database failed: \(error)") }
    }

    public static func carePlanTemplateURL(_ configuration: GatewayConfiguration) -> URL {
        let template = configuration.patient.carePlanTemplate
        if template.hasPrefix("/") { return URL(fileURLWithPath: template) }
        return URL(fileURLWithPath: configuration.paths.profilesDirectory + "/care/\(template).yaml")
    }
}
