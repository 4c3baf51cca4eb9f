import Synchronization

/// Something that calls a closure at a deadline: dispatch's timers by default, the daemon's job thread once it
/// is installed (`TimerSchedulers.install`).
///
/// Why a choice (issue 16, the visit end's wake-ups): a dispatch timer goes off on dispatch's timer thread, which
/// hands its handler to a pool thread, which resumes a task on the job thread — three threads woken for one
/// deadline, and each timer set, moved or cancelled wakes the timer thread once more. The job thread times its
/// own wait instead (`pthread_cond_timedwait` until the earliest deadline): a deadline wakes one thread, and a
/// timer set or cancelled from a task on that thread costs no system call at all.
public protocol TimerScheduler: Sendable {
    /// A disarmed timer that calls `action` each time a deadline it is set for is reached.
    func makeTimer(_ action: @escaping @Sendable () -> Void) -> any RearmableTimer
}

/// One timer: set for one deadline at a time, any number of times.
public protocol RearmableTimer: AnyObject, Sendable {
    /// Sets the timer for `deadline` (replacing the deadline it was set for): its action is called once, at or
    /// after it, unless the timer is set again or disarmed before. A deadline already past calls it soon.
    func set(for deadline: ContinuousClock.Instant)
    /// Disarms the timer: its action is not called until it is set again. An action already under way runs.
    func disarm()
}

/// The scheduler timers are made with when none is given.
public enum TimerSchedulers {
    private static let installed = Mutex<(any TimerScheduler)?>(nil)

    /// The installed scheduler, or dispatch's.
    public static var current: any TimerScheduler {
        installed.withLock { $0 } ?? DispatchTimerScheduler.shared
    }

    /// Makes `scheduler` the process's default from now on; false (and nothing changed) when one was installed.
    /// Timers made before keep the scheduler they were made with.
    @discardableResult
    public static func install(_ scheduler: any TimerScheduler) -> Bool {
        installed.withLock { current in
            guard current == nil else { return false }
            current = scheduler
            return true
        }
    }
}
