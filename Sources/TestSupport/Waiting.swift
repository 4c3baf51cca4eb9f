/// Awaiting events with a deadline, so a test that waits for something that never happens fails with a
/// clear message instead of hanging. The deadline is a safety net, never a way to synchronise.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let after: Duration
    public var description: String { "timed out after \(after) waiting for \(what)" }
}

/// Runs `operation`, failing with `TimedOut` if it takes longer than `timeout`.
public func withTimeout<T: Sendable>(_ timeout: Duration = .seconds(10), _ what: String,
                                     _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut(what: what, after: timeout)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut(what: what, after: timeout) }
        return first
    }
}

/// A cursor over an AsyncStream that can be awaited with a deadline from a test.
public final class StreamProbe<Element: Sendable>: @unchecked Sendable {
    // @unchecked: used from one test task at a time, which is how tests consume streams.
    private var iterator: AsyncStream<Element>.Iterator

    public init(_ stream: AsyncStream<Element>) {
        iterator = stream.makeAsyncIterator()
    }

    /// The next element; throws `TimedOut` if none arrives in time, nil when the stream finished.
    public func next(within timeout: Duration = .seconds(10), _ what: String = "next element") async throws
        -> Element?
    {
        let box = IteratorBox(iterator)
        let result = try await withTimeout(timeout, what) { await box.next() }
        iterator = box.iterator
        return result
    }

    /// Skips elements until one satisfies `predicate`.
    public func first(within timeout: Duration = .seconds(10), _ what: String,
                      where predicate: @escaping @Sendable (Element) -> Bool) async throws -> Element {
        let box = IteratorBox(iterator)
        let result = try await withTimeout(timeout, what) { () async throws -> Element in
            while let element = await box.next() {
                if predicate(element) { return element }
            }
            throw TimedOut(what: "\(what) (stream ended)", after: timeout)
        }
        iterator = box.iterator
        return result
    }
}

private final class IteratorBox<Element: Sendable>: @unchecked Sendable {
    // @unchecked: only one task touches the iterator at a time (the probe awaits it).
    var iterator: AsyncStream<Element>.Iterator
    init(_ iterator: AsyncStream<Element>.Iterator) { self.iterator = iterator }
    func next() async -> Element? { await iterator.next() }
}
