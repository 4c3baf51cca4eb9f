import Foundation

extension GatewayCommands {
    func status() async throws(ControlError) -> StatusResult {
        try await failing("status") {
            // Readings counted before the queue: a reading's outbox item is written in the reading's own commit,
            // so every reading counted here is in the queue read next (or already delivered). Read the other way
            // round, a reading stored between the two reads was counted as stored but not as undelivered, and
            // "2 stored, 0 undelivered" could be answered while one was still pending (seen in MultiUserDeviceTests).
            let readingsStored = try await runtime.store.readingCount()
            let queue = try await runtime.store.outboxStatus()
            let alerts = try await runtime.triage.activeAlerts()
            var result = StatusResult(
                version: GatewayVersion.current, gatewayID: runtime.configuration.identity.gatewayID,
                startedAt: runtime.startedAt, bluetooth: await runtime.supervisor.adapterStatus(),
                queue: .init(
                    undelivered: queue.queueDepth, held: queue.held, parked: queue.parked,
                    oldestUndelivered: queue.oldestUndeliveredEnqueuedAt, lastForwarded: queue.lastDeliveredAt,
                    lastError: queue.lastError, nextAttempt: queue.nextAttemptAt),
                activeAlerts: alerts.count,
                unacknowledgedRedAlerts: alerts.filter { $0.zone == .red && $0.acknowledgedBy == nil }.count,
                devices: try await runtime.registry.all().count,
                readingsStored: readingsStored,
                storage: try await runtime.store.storageUsage(),
                technicalAlerts: runtime.technicalAlerts.current,
                rateLimited: await runtime.supervisor.deviceStatuses().filter { $0.droppedByRateLimit > 0 }.map {
                    RateLimitedDevice(address: $0.address, droppedByRateLimit: $0.droppedByRateLimit, flooding: $0.flooding)
                })
            result.checkIn = try await CheckInStatus.latest(in: runtime.store)
            result.carePlanVersion = try await runtime.triage.activePlan()?.version.version
            return result
        }
    }

    /// Ends any back-off and wakes the forwarder, whatever it is waiting for.
    func forwardNow() async throws(ControlError) -> StatusResult.Queue {
        runtime.forwarder.forwardNow()
        return try await status().queue
    }
}
