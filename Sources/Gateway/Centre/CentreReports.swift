import Forwarding
import Foundation
import Logging
import ReadingStore
import ServiceLifecycle
import Triage

/// What the hub reports about itself to the centre, each on its own schedule: the check-in (`CheckInReporter`),
/// its technical alerts (`TechnicalAlertReporter`) and the patient's devices (`DeviceInventoryReporter`).
struct CentreReports: Service {
    let enabled: Set<GatewayConfiguration.Centre.Report>
    let checkIns: CheckInReporter
    let technicalAlerts: TechnicalAlertReporter
    let inventory: DeviceInventoryReporter
    let logger: Logger

    init(
        store: ReadingStore, registry: DeviceRegistry, triage: Triage, mapper: FHIRMapper, alerts: TechnicalAlerts,
        configuration: GatewayConfiguration, wakeForwarder: @escaping @Sendable () -> Void, logger: Logger
    ) {
        let gatewayID = configuration.identity.gatewayID
        self.logger = logger
        enabled = configuration.centre.reports
        checkIns = CheckInReporter(
            store: store, triage: triage, mapper: mapper, gatewayID: gatewayID,
            interval: configuration.centre.checkInInterval, wakeForwarder: wakeForwarder, logger: logger)
        // After a restart, the checks that raise alerts have had two rounds of the maintenance loop (which runs
        // at once) before a standing episode is taken as resolved.
        let grace = min(max(configuration.alerts.scheduleCheckInterval * 2, .seconds(10)), .seconds(900))
        technicalAlerts = TechnicalAlertReporter(
            store: store, alerts: alerts, mapper: mapper, patientReference: configuration.patient.reference,
            gatewayID: gatewayID, interval: .seconds(60), clearGrace: grace, wakeForwarder: wakeForwarder, logger: logger)
        // Battery and firmware change on visits: looked at every schedule check (5 min by default). Not every
        // half minute as before: that look was a burst of ~20-50 wake-ups every 30 s of an idle hub (issue 16,
        // `bench resources` after the load), for news the centre does not need within the minute.
        inventory = DeviceInventoryReporter(
            store: store, registry: registry, alerts: alerts, mapper: mapper, patientReference: configuration.patient.reference,
            gatewayID: gatewayID, settings: configuration.centre, interval: configuration.alerts.scheduleCheckInterval,
            wakeForwarder: wakeForwarder, logger: logger)
    }

    /// Runs until the daemon stops; each report finishes the round it is in.
    func run() async throws {
        await withDiscardingTaskGroup { group in
            if enabled.contains(.checkIn) { group.addTask { await checkIns.run() } }
            if enabled.contains(.technicalAlerts) { group.addTask { await technicalAlerts.run() } }
            // Also without reports to the centre: it raises device-not-seen and battery-low locally.
            group.addTask { await inventory.run() }
        }
        logger.serviceStopped(.centreReports)
    }
}
