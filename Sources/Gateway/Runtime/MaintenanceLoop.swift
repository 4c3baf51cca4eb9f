import Foundation
import HealthProfiles
import Logging
import ReadingStore
import ServiceLifecycle

/// The daemon's periodic duties: missing-measurement checks, triage of readings still held (a failure or
/// a crash caught them between store and triage), retention, and the hub's own health (technical alerts).
/// On shutdown it finishes the round it is in (after the device supervisor stopped, so readings the last
/// visits committed are triaged) and ends.
struct MaintenanceLoop: Service {
    let runtime: GatewayRuntime
    let interval: Duration
    /// Forwarding that has been failing this long with undelivered data is a technical alert.
    let forwardingAlarmAfter: TimeInterval

    func run() async throws {
        // Monotonic: a wall clock set back by a day must not postpone retention by a day.
        var lastRetention: ContinuousClock.Instant?
        repeat {
            await checkSchedules()
            // Readings triaged now were held back from the forwarder, which may be asleep: wake it.
            do { if try await !runtime.triage.evaluateHeldReadings().isEmpty { runtime.forwarder.wake() } } catch {
                runtime.logger.warning("held readings still not triaged: \(error)")
            }
            if lastRetention.map({ ContinuousClock.now - $0 > .seconds(86_400) }) ?? true {
                lastRetention = ContinuousClock.now
                await applyRetention()
            }
            await checkHealth()
            // Bonds a reset could not remove yet (bluetoothd or the adapter was away).
            await BondRemovals.finish(registry: runtime.registry, bluez: runtime.bluez,
                                      adapterName: runtime.configuration.bluetooth.adapter, logger: runtime.logger)
        } while await pauseUnlessShuttingDown(for: interval)
        runtime.logger.serviceStopped(.maintenance)
    }

    /// The store's retention, then triage's copies of the same data (values, evaluations, ended alerts) up to
    /// the same horizon, so that nothing outlives the retention period in another table.
    private func applyRetention() async {
        do {
            // Each logs what it removed.
            let report = try await runtime.store.applyRetention()
            try await runtime.triage.applyRetention(olderThan: report.horizon)
        } catch {
            runtime.logger.warning("retention failed: \(error)")
        }
    }

    /// "Not measured" alerts carry when the device for the vital was last seen, so the centre can tell a
    /// patient who did not measure from a hub that is offline.
    private func checkSchedules() async {
        var lastSeen: [VitalSign: Date] = [:]
        if let devices = try? await runtime.registry.all(), let sensors = try? await runtime.store.sensors() {
            let byKey = Dictionary(sensors.map { ($0.key.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
            for device in devices {
                guard let seen = byKey[device.sensorKey]?.lastSeenAt else { continue }
                for vital in runtime.catalog.profile(id: device.profile).map(ProfileVitals.vitals(of:)) ?? [] {
                    lastSeen[vital] = max(lastSeen[vital] ?? seen, seen)
                }
            }
        }
        // A raised or cleared "not measured" alert queued its Flag: the forwarder is not polling for it.
        do { if try await !runtime.triage.checkSchedules(now: Date(), deviceLastSeen: lastSeen).isEmpty { runtime.forwarder.wake() } } catch {
            runtime.logger.warning("missing-measurement check failed: \(error)")
        }
    }

    private func checkHealth() async {
        let adapter = await runtime.supervisor.adapterStatus()
        if !adapter.bluetoothdRunning || !adapter.adapterPresent {
            // The reason follows the current problem: bluetoothd back but the adapter unplugged before a check saw
            // the recovery must not go on saying "bluetoothd is not running" (seen in a loaded run).
            runtime.technicalAlerts.raise(
                .bluetoothUnavailable, adapter.lastProblem ?? "Bluetooth is not available", updatingReason: true)
        } else {
            runtime.technicalAlerts.clear(.bluetoothUnavailable)
        }
        await ParkedItemsAlarm.check(store: runtime.store, technicalAlerts: runtime.technicalAlerts)
        guard let status = try? await runtime.store.outboxStatus() else { return }
        if let oldest = status.oldestUndeliveredEnqueuedAt, status.lastError != nil,
           Date().timeIntervalSince(oldest) > forwardingAlarmAfter {
            runtime.technicalAlerts.raise(
                .forwardingFailing, "readings have not reached the follow-up centre since \(oldest): \(status.lastError ?? "")")
        } else if status.lastError == nil {
            runtime.technicalAlerts.clear(.forwardingFailing)
        }
    }
}
