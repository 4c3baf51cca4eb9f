import CancellableTimers
import ServiceLifecycle

/// The wait between two rounds of a service's loop. Returns false once the daemon is shutting down (or the
/// task is cancelled): the loop then ends after a complete round, never in the middle of one.
func pauseUnlessShuttingDown(for duration: Duration) async -> Bool {
    try? await cancelWhenGracefulShutdown { try await CancellableSleep.sleep(for: duration) }
    return !Task.isShuttingDownGracefully && !Task.isCancelled
}

/// `pauseUnlessShuttingDown(for:)` that also ends when an alert is raised or cleared.
func pauseUnlessShuttingDown(until alerts: TechnicalAlerts, atMost limit: Duration) async -> Bool {
    await cancelWhenGracefulShutdown { await alerts.waitForChange(atMost: limit) }
    return !Task.isShuttingDownGracefully && !Task.isCancelled
}

/// Waits for the daemon's shutdown (or the task's cancellation, which ends it just the same).
func untilShutdown() async {
    try? await gracefulShutdown()
}

/// Whether every task ended within `limit`. The tasks are not cancelled; past the limit they are left to
/// the process's exit (awaiting an unstructured task cannot be cut short, hence the `OneShot`).
func allEnded(_ tasks: [Task<Void, Never>], within limit: Duration) async -> Bool {
    let ended = OneShot<Void>()
    Task {
        for task in tasks { await task.value }
        ended.deliver(())
    }
    return await firstOf({ await ended.value() != nil }, within: limit, else: false)
}
