import CancellableTimers
import OneJobThread
import Testing

/// The schedulers the sleeps and waits are tested with: dispatch's (tools, tests) and a job thread's (the daemon).
/// The tests' tasks run on the cooperative pool, so with the job thread every timer is set and disarmed from
/// another thread than the one it goes off on; `JobThreadTimerTests` covers timers set from the thread itself.
enum SchedulerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case dispatch
    case jobThread

    var scheduler: any TimerScheduler {
        switch self {
        case .dispatch: DispatchTimerScheduler.shared
        case .jobThread: Self.sharedJobThread
        }
    }

    var testDescription: String { rawValue }

    private static let sharedJobThread = JobThread(name: "timer-tests")
}
