import CGlobalExecutorHook
import CSystemShims
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
/// Only the runtime's immediate global enqueues come here: a `Task.sleep` (the daemon's own sleeps are
/// `CancellableSleep`, whose dispatch timer resumes a continuation, which does come here) is still timed by
/// dispatch and resumes on dispatch's thread until its task's next hop. That is correct for a concurrent global
/// executor, and only the bus's connection retries sleep that way.
public final class JobThread: TaskExecutor, @unchecked Sendable {
    // @unchecked: `pending` and `sleeping` are guarded by `mutex`; the rest is immutable after init.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var pending: [UnownedJob] = []
    private var sleeping = false

    /// Starts the thread, named `name` (at most 15 bytes are kept) in /proc/PID/task/*/comm.
    public init(name: String) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
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

    private func runForever() -> Never {
        var batch: [UnownedJob] = []
        batch.reserveCapacity(64)
        let executor = asUnownedTaskExecutor()
        while true {
            pthread_mutex_lock(mutex)
            while pending.isEmpty {
                sleeping = true
                pthread_cond_wait(condition, mutex)
            }
            sleeping = false
            swap(&batch, &pending)
            pthread_mutex_unlock(mutex)
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
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
    /// dispatch's pool (tasks without an actor or executor of their own, default actors) runs on it from now on.
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
