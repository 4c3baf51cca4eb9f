import Dispatch
import Glibc

/// Turns SIGTERM/SIGINT (and optionally end of standard input) into an awaitable event. The signals are
/// taken from their default action (SIG_IGN) and delivered through dispatch signal sources, the usual
/// way for Swift services on Linux; nothing runs inside an async-signal handler.
enum ShutdownSignals {
    /// Returns a description of why the process should stop.
    static func waitForShutdown(watchingStandardInput: Bool) async -> String {
        let (events, continuation) = AsyncStream.makeStream(of: String.self)
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        if watchingStandardInput {
            startThread {
                var buffer = [UInt8](repeating: 0, count: 256)
                while true {
                    let count = read(STDIN_FILENO, &buffer, buffer.count)
                    if count == 0 || (count < 0 && errno != EINTR) { break }
                }
                continuation.yield("standard input closed")
            }
        }
        var reason = "event stream ended"
        for await event in events {
            reason = event
            break
        }
        for source in sources { source.cancel() }
        return reason
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// A plain thread for a blocking read, so it never occupies a Swift-concurrency thread.
    private static func startThread(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        if status == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Body>.fromOpaque(context).release()
        }
    }
}

/// Writes one line to standard output unbuffered (the readiness line a parent process waits for).
func writeLineToStandardOutput(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(STDOUT_FILENO, base, buffer.count)
        }
        if written <= 0 { return }
        offset += written
    }
}
