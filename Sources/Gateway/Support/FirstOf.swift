import CancellableTimers
/// What `work` returns, or `fallback` once `limit` has passed. `work` is then cancelled, and the call returns
/// only when it has ended, so `work` must end promptly when cancelled (`OneShot.value()` does; awaiting an
/// unstructured task's `value` does not, which is why a bounded wait for a D-Bus call goes through a OneShot).
func firstOf<T: Sendable>(_ work: @escaping @Sendable () async -> T, within limit: Duration, else fallback: T) async -> T {
    await withTaskGroup(of: T.self) { group in
        group.addTask { await work() }
        group.addTask {
            try? await CancellableSleep.sleep(for: limit)
            return fallback
        }
        let first = await group.next() ?? fallback
        group.cancelAll()
        return first
    }
}
