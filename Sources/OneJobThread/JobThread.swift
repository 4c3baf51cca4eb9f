import CGlobalExecutorHook
import CSystemShims
public import CancellableTimers
import Glibc

/// One thread that runs Swift concurrency jobs in the order they were enqueued, as a `TaskExecutor`, and (once
/// installed) as the process's global concurrent executor.
///
/// Why (issue 16, the daemon's CPU and wake-ups): on Linux the global executor is dispatch's pool, two threads
/// on this 2-core hub. Each reading passes between a dozen tasks (the D-Bus signal, the device's frame pump, the
/// pipeline, the store, the forwarder); every hand-over from one pool thread to a job queued behind it pokes the
/// other, idle, thread awake (a futex wake, a context switch and cold caches), so the daemon's ~20 jobs per
/// reading cost ~20 wake-ups, and one visit's end, about 25 jobs of bookkeeping, a burst of wake-ups in one second.
/// The daemon's tasks wait on I/O (the bus, SQLite's fsync, HTTP) far more than they compute: one thread keeps
/// up, and a job queued by a job never wakes anyone. Blocking work never runs here: SQLite runs on GRDB's queue,
/// libcurl on its own queue, the bus on its event-loop thread; they hand results back as jobs.
///
/// It is also a `TimerScheduler` (installed as the process's with the global executor): the thread times its own
/// wait until the earliest deadline, so the daemon's sleeps and limited waits (`CancellableSleep`, `WakeSignal`)
/// go off by waking this one thread, and setting or disarming a timer from a task here costs no system call (a
/// dispatch timer woke dispatch's timer thread to set it, and to go off also a pool thread that then queued the
/// job here: three threads for one deadline, the better part of a visit end's wake-ups).
///
/// Only the runtime's immediate global enqueues come here: a `Task.sleep` (the daemon's own sleeps are
/// `CancellableSleep`) is still timed by dispatch and resumes on dispatch's thread until its task's next hop.
/// That is correct for a concurrent global executor, and only the bus's connection retries sleep that way.
public final class JobThread: TaskExecutor, TimerScheduler, @unchecked Sendable {
    // @unchecked: `pending`, `sleeping`, `sleepingUntil`, `armed` (and each armed timer's `due`) are guarded by
    // `mutex`; the rest is immutable after init.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var pending: [UnownedJob] = []
    private var sleeping = false
    /// While `sleeping`: the deadline the wait ends at (nil: until a job comes).
    private var sleepingUntil: ContinuousClock.Instant?
    /// The timers set, in no order (a handful at most: a linear scan beats keeping a heap).
    private var armed: [JobThreadTimer] = []

    /// Starts the thread, named `name` (at most 15 bytes are kept) in /proc/PID/task/*/comm.
    public init(name: String) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        // Timed waits on the monotonic clock: a wall-clock step (NTP at boot) must not move a deadline.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        pending.reserveCapacity(64)
        let start = Unmanaged.passRetained(StartContext(thread: self, name: String(name.prefix(15)))).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<StartContext>.fromOpaque(raw).takeRetainedValue()
            dho_name_current_thread(context.name)
            context.thread.runForever()
        }, start)
        // Without its thread the process cannot run any task at all: nothing sensible is left to do.
        precondition(status == 0, "could not start the job thread (error \(status))")
        pthread_detach(thread)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(UnownedJob(job))
    }

    /// Queues `job`; wakes the thread only when it sleeps (a job queued by a job running here never does).
    public func enqueue(_ job: UnownedJob) {
        pthread_mutex_lock(mutex)
        pending.append(job)
        let wake = sleeping
        sleeping = false
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(condition) }
    }

    public func makeTimer(_ action: @escaping @Sendable () -> Void) -> any RearmableTimer {
        JobThreadTimer(thread: self, action: action)
    }

    fileprivate func set(_ timer: JobThreadTimer, for deadline: ContinuousClock.Instant) {
        pthread_mutex_lock(mutex)
        if timer.due == nil { armed.append(timer) }
        timer.due = deadline
        // Only a deadline before the one the thread sleeps until needs it awake now (set from another thread).
        let wake = sleeping && (sleepingUntil.map { deadline < $0 } ?? true)
        if wake { sleeping = false }
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(condition) }
    }

    fileprivate func disarm(_ timer: JobThreadTimer) {
        pthread_mutex_lock(mutex)
        if timer.due != nil {
            timer.due = nil
            if let index = armed.firstIndex(where: { $0 === timer }) { removeArmed(at: index) }
        }
        // A thread asleep until this timer's deadline wakes then, finds nothing and sleeps again: one wake-up,
        // the same as waking it now to shorten its wait.
        pthread_mutex_unlock(mutex)
    }

    private func runForever() -> Never {
        var batch: [UnownedJob] = []
        batch.reserveCapacity(64)
        var due: [(deadline: ContinuousClock.Instant, timer: JobThreadTimer)] = []
        let executor = asUnownedTaskExecutor()
        while true {
            pthread_mutex_lock(mutex)
            while true {
                if !armed.isEmpty { takeDueTimers(into: &due) }
                if !pending.isEmpty || !due.isEmpty { break }
                sleepingUntil = armed.lazy.compactMap(\.due).min()
                sleeping = true
                if let until = sleepingUntil {
                    var deadline = Self.monotonicTimespec(until)
                    pthread_cond_timedwait(condition, mutex, &deadline)
                } else {
                    pthread_cond_wait(condition, mutex)
                }
            }
            sleeping = false
            swap(&batch, &pending)
            pthread_mutex_unlock(mutex)
            // Timers first, in deadline order: their actions queue jobs (a sleeper's resumption) behind this batch.
            for (_, timer) in due { timer.action() }
            due.removeAll(keepingCapacity: true)
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Moves the timers whose deadline has come from `armed` to `due`, earliest first. Called under the lock.
    private func takeDueTimers(into due: inout [(deadline: ContinuousClock.Instant, timer: JobThreadTimer)]) {
        let now = ContinuousClock.now
        var index = 0
        while index < armed.count {
            if let deadline = armed[index].due, deadline <= now {
                due.append((deadline, armed[index]))
                armed[index].due = nil
                removeArmed(at: index)
            } else {
                index += 1
            }
        }
        if due.count > 1 { due.sort { $0.deadline < $1.deadline } }
    }

    /// Removes one armed timer; the list has no order, so the last takes its place. Called under the lock.
    private func removeArmed(at index: Int) {
        armed.swapAt(index, armed.count - 1)
        armed.removeLast()
    }

    /// `deadline` (continuous clock) as an absolute time on the monotonic clock the condition waits on. The two
    /// clocks differ only across a system suspend, which a hub does not do; a wait that ends early just loops.
    private static func monotonicTimespec(_ deadline: ContinuousClock.Instant) -> timespec {
        let remaining = max(deadline - .now, .zero)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        // At most a day per wait: no overflow for any deadline, and a later one is waited for in steps.
        let capped = min(remaining, .seconds(86_400))
        let (seconds, attoseconds) = capped.components
        var result = timespec(tv_sec: now.tv_sec + Int(seconds), tv_nsec: now.tv_nsec + Int(attoseconds / 1_000_000_000))
        if result.tv_nsec >= 1_000_000_000 {
            result.tv_sec += 1
            result.tv_nsec -= 1_000_000_000
        }
        return result
    }

    private final class StartContext {
        let thread: JobThread
        let name: String
        init(thread: JobThread, name: String) {
            self.thread = thread
            self.name = name
        }
    }
}

extension JobThread {
    /// Makes a new job thread the process's global concurrent executor: every job the runtime would give
    /// dispatch's pool (tasks without an actor or executor of their own, default actors) runs on it from now on,
    /// and its timers the default `TimerSchedulers.current`.
    /// Call it first thing in `main`, once; returns nil when a global executor hook is installed already (the
    /// runtime's executor is then left as it was; the thread started for it stays idle).
    public static func installAsGlobalExecutor(name: String) -> JobThread? {
        // The hook's signature is the runtime's, not a promise of the language: checked against this project's
        // toolchain (6.3.1, `swift_task_enqueueGlobal_hook` in stdlib/public/Concurrency). A newer compiler keeps
        // dispatch's pool until someone has checked it again (the daemon's thread-bound test then fails, saying so).
        #if compiler(>=6.4)
        return nil
        #else
        guard globalJobThread == nil else { return nil }
        let thread = JobThread(name: name)
        globalJobThread = thread
        guard dho_install_global_enqueue_hook(enqueueOnGlobalJobThread) == 1 else { return nil }
        TimerSchedulers.install(thread)
        return thread
        #endif
    }
}

/// The global executor's thread. Written once, before the hook that reads it is installed (the installation is
/// a sequentially consistent store, so a job enqueued through the hook on any thread sees it); never changed.
nonisolated(unsafe) private var globalJobThread: JobThread?

/// The hook's sink: the runtime's job pointer is an `UnownedJob`'s only stored property.
private let enqueueOnGlobalJobThread: dho_global_job_sink = { job in
    guard let job, let thread = globalJobThread else { return }
    thread.enqueue(unsafeBitCast(job, to: UnownedJob.self))
}

/// A timer of a job thread; `due` is guarded by the thread's mutex.
private final class JobThreadTimer: RearmableTimer, @unchecked Sendable {
    let thread: JobThread
    let action: @Sendable () -> Void
    /// The deadline set (nil: disarmed).
    var due: ContinuousClock.Instant?

    init(thread: JobThread, action: @escaping @Sendable () -> Void) {
        self.thread = thread
        self.action = action
    }

    func set(for deadline: ContinuousClock.Instant) { thread.set(self, for: deadline) }
    func disarm() { thread.disarm(self) }
}
