import Foundation
import Synchronization

/// ServiceGroup starts every service at once; a service that needs another one up first (the control
/// server's commands use the device supervisor; READY=1 means everything is up) waits for it here.
final class StartupSequence: Sendable {
    private struct Waiter {
        let needed: Set<GatewayServiceName>
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var started: Set<GatewayServiceName> = []
        var waiters: [UUID: Waiter] = [:]
    }

    private let state = Mutex(State())

    /// `name` has finished starting.
    func started(_ name: GatewayServiceName) {
        let released = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.started.insert(name)
            let ready = state.waiters.filter { $0.value.needed.isSubset(of: state.started) }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        released.forEach { $0.resume(returning: true) }
    }

    /// True once every service in `needed` has started; false when the waiting task is cancelled first.
    func waitFor(_ needed: Set<GatewayServiceName>) async -> Bool {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    if needed.isSubset(of: state.started) { return true }
                    // Checked under the lock the cancellation handler takes (see `WakeSignal.wait`).
                    if Task.isCancelled { return false }
                    state.waiters[id] = Waiter(needed: needed, continuation: continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
        }
    }
}
