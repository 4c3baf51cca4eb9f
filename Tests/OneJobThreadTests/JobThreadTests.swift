import Foundation
import Glibc
import OneJobThread
import Synchronization
import Testing

/// The job thread as a task executor (the daemon installs the same thread as its global executor; its own
/// tests are the daemon's: `theThreadCountStaysBoundedUnderLoadWithManyControlConnections` checks its jobs run there).
@Suite struct JobThreadTests {
    /// Every job of tasks that prefer the thread runs on that one thread, in the order the jobs were queued: here
    /// 300 tasks created one after the other, whose first jobs are queued in creation order.
    @Test func runsEveryJobOnOneThreadInOrder() async {
        let thread = JobThread(name: "test-jobs")
        let log = Shared<[(index: Int, thread: pthread_t)]>([])
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                group.addTask(executorPreference: thread) {
                    log.value.withLock { $0.append((index, pthread_self())) }
                }
            }
        }
        let entries = log.value.withLock { $0 }
        #expect(entries.map(\.index) == Array(0..<300))
        #expect(Set(entries.map { UInt($0.thread) }).count == 1)
        #expect(entries.first.map { $0.thread != pthread_self() } ?? false, "the jobs ran on the test's thread")
    }

    /// A task hopping back and forth between the thread and the global pool (each hop a job queued from another
    /// thread, which must wake the job thread from its wait) always comes back to the same thread.
    @Test func wakesForJobsQueuedFromOtherThreads() async {
        let thread = JobThread(name: "test-jobs")
        let seen = Shared<Set<UInt>>([])
        await Task(executorPreference: thread) {
            for _ in 0..<200 {
                seen.value.withLock { _ = $0.insert(UInt(pthread_self())) }
                // Off the thread and back: the continuation is resumed from a pool thread.
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                    Task.detached { continuation.resume() }
                }
                try? await Task.sleep(for: .microseconds(50))
            }
        }.value
        #expect(seen.value.withLock { $0.count } == 1)
    }

    /// The thread is named as asked (at most 15 bytes: the kernel's limit), so /proc and debuggers tell it apart.
    @Test func namesItsThread() async throws {
        let thread = JobThread(name: "test-jobs-named-long")
        let name: String = await withTaskExecutorPreference(thread) {
            await Task.yield()
            var buffer = [UInt8](repeating: 0, count: 32)
            let fd = open("/proc/thread-self/comm", O_RDONLY)
            defer { close(fd) }
            let count = read(fd, &buffer, buffer.count)
            return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        #expect(name == "test-jobs-named")
    }
}

/// A value tasks share (a `Mutex` itself cannot be captured by a sending closure).
final class Shared<Value>: Sendable {
    let value: Mutex<Value>
    init(_ initial: sending Value) { value = Mutex(initial) }
}
