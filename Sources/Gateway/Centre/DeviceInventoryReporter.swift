import Forwarding
import Foundation
import Logging
import ReadingStore

/// Keeps the centre's inventory of the patient's devices current (`DeviceInventory`) and raises the technical
/// problems only the inventory shows: a device not seen for `centre: device-silent-after` (`device-not-seen`)
/// and a battery below `centre: battery-low-below` % (`battery-low`); `TechnicalAlertReporter` takes those to
/// the centre like any other.
///
/// Each device's last report is in the store's centre-report ledger, written with the queued report in one
/// transaction: a change (firmware, serial, battery) is reported once, also across restarts, and a device
/// forgotten while the daemon was down is still marked inactive.
struct DeviceInventoryReporter {
    let store: ReadingStore
    let registry: DeviceRegistry
    let alerts: TechnicalAlerts
    let mapper: FHIRMapper
    let patientReference: String
    let gatewayID: String
    let settings: GatewayConfiguration.Centre
    /// With `reports` leaving out device-inventory, only the technical alerts are raised.
    var reportsToCentre: Bool { settings.reports.contains(.deviceInventory) }
    let interval: Duration
    let wakeForwarder: @Sendable () -> Void
    let logger: Logger

    static let ledgerPrefix = "device|"

    func run() async {
        repeat {
            await synchronize()
        } while await pauseUnlessShuttingDown(for: interval)
    }

    func synchronize(now: Date = Date()) async {
        do {
            let devices = try await registry.all()
            let sensors = Dictionary(try await store.sensors().map { ($0.key.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
            var reported = try await store.centreReports(prefix: Self.ledgerPrefix)
            var queued = false
            for device in devices {
                let record = sensors[device.sensorKey]
                checkHealth(device, record, now: now)
                guard reportsToCentre else { continue }
                let subject = Self.ledgerPrefix + device.address
                let previous = reported.removeValue(forKey: subject)
                // Nothing known yet: the device's first visit tells its Device Information.
                guard let record, previous?.state != DeviceInventory.fingerprint(record) else { continue }
                let battery = record.batteryLevel == DeviceInventory.batteryLevel(inFingerprint: previous?.state) ? nil : record.batteryLevel
                queued = try await report(subject: subject, record, active: true, battery: battery, now: now) || queued
            }
            // A forgotten device's problems are over.
            let provisioned = Set(devices.map(\.address))
            for alert in alerts.current where [.deviceNotSeen, .batteryLow].contains(alert.code) {
                if let address = alert.device, !provisioned.contains(address) { alerts.clear(alert.code, device: address) }
            }
            // Left in the ledger: devices no longer provisioned (forgotten).
            for subject in reported.keys where reportsToCentre {
                let address = String(subject.dropFirst(Self.ledgerPrefix.count))
                guard let key = SensorKey(rawValue: "bt:" + address.uppercased()), let record = try await store.sensor(key) else { continue }
                queued = try await report(subject: subject, record, active: false, battery: nil, now: now) || queued
            }
            if queued { wakeForwarder() }
        } catch {
            logger.warning("the device inventory could not be reported to the centre", metadata: ["error": "\(error)"])
        }
    }

    private func checkHealth(_ device: ProvisionedDevice, _ record: SensorRecord?, now: Date) {
        let lastSeen = max(record?.lastSeenAt ?? device.provisionedAt, device.provisionedAt)
        let silence = now.timeIntervalSince(lastSeen)
        if silence > settings.deviceSilentAfter / .seconds(1) {
            let days = String(format: "%.1f", silence / 86_400)
            alerts.raise(.deviceNotSeen, "device \(device.address) (\(record?.model ?? device.profile)) has not been seen for \(days) days: "
                + "is it broken, lost or out of battery?", device: device.address)
        } else {
            alerts.clear(.deviceNotSeen, device: device.address)
        }
        if let level = record?.batteryLevel, level < settings.batteryLowBelow {
            alerts.raise(.batteryLow, "device \(device.address) (\(record?.model ?? device.profile)) battery at \(level) %: "
                + "replace or charge it", device: device.address)
        } else {
            alerts.clear(.batteryLow, device: device.address)
        }
    }

    private func report(subject: String, _ record: SensorRecord, active: Bool, battery: Int?, now: Date) async throws -> Bool {
        let entries = DeviceInventory.entries(
            record, active: active, battery: battery, at: now, patientReference: patientReference, gatewayID: gatewayID,
            mapper: mapper)
        guard entries.count > 1 else { return false }
        let state = active ? DeviceInventory.fingerprint(record) : nil
        let queued = try await store.reportToCentre(
            subject: subject, state: state, kind: OutboxKind(rawValue: DeviceInventory.outboxKind),
            key: "\(record.key.rawValue)|\(state ?? "inactive")|\(GatewayFHIR.instant(now))",
            payload: BundleEntry.payload(entries), sequenceKey: entries[1].updatedResourceURL, now: now)
        if queued {
            logger.info(active ? "device inventory reported to the centre" : "forgotten device marked inactive at the centre",
                        metadata: ["device": "\(record.address ?? record.key.rawValue)"])
        }
        return queued
    }
}
