import BlueZ
import DBus
import Synchronization
import Testing

@Suite struct ErrorAndRetryTests {
    @Test func bluezErrorRepliesAreClassified() {
        let abort = BlueZError(.remote(name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local"))
        #expect(abort == .bluez(.failed, message: "le-connection-abort-by-local"))
        #expect(abort.isConnectionAbort && abort.isRetryableConnectFailure)
        let oldAbort = BlueZError(.remote(name: "org.bluez.Error.Failed", message: "Software caused connection abort"))
        #expect(oldAbort.isConnectionAbort)
        #expect(BlueZError(.remote(name: "org.bluez.Error.InProgress", message: "")).isRetryableConnectFailure)
        #expect(BlueZError(.timedOut("Connect")).isRetryableConnectFailure)
        for name in ["AuthenticationFailed", "NotPermitted", "AlreadyExists", "DoesNotExist", "NotReady"] {
            let error = BlueZError(.remote(name: "org.bluez.Error.\(name)", message: "x"))
            #expect(error.bluezName?.rawValue == name)
            #expect(!error.isConnectionAbort)
        }
        #expect(!BlueZError(.remote(name: "org.bluez.Error.NotPermitted", message: "Not paired")).isRetryableConnectFailure)
        #expect(BlueZError(.remote(name: "org.freedesktop.DBus.Error.ServiceUnknown", message: "")) == .serviceUnavailable)
        #expect(BlueZError(.remote(name: "org.freedesktop.DBus.Error.UnknownObject", message: "")).isObjectGone)
        #expect(BlueZError(.cancelled) == .cancelled)
        #expect(BlueZError(.disconnected) == .dbus(.disconnected))
        #expect(BlueZErrorName.authenticationFailed.fullName == "org.bluez.Error.AuthenticationFailed")
    }

    @Test func backoffGrowsToItsCap() {
        let policy = ConnectRetryPolicy(maxAttempts: 6, initialDelay: .milliseconds(300), multiplier: 2, maxDelay: .seconds(1))
        #expect((1...5).map(policy.delay(afterAttempt:)) == [
            .milliseconds(300), .milliseconds(600), .seconds(1), .seconds(1), .seconds(1),
        ])
    }

    @Test func retriesWaitOnTheClockAndStopAtNonRetryableErrors() async throws {
        let clock = RecordingClock()
        let attempts = Mutex(0)
        let policy = ConnectRetryPolicy(maxAttempts: 5, initialDelay: .seconds(1), multiplier: 3, maxDelay: .seconds(5))
        let value = try await withRetries(policy: policy, clock: clock, isRetryable: \.isConnectionAbort) {
            attempt throws(BlueZError) -> Int in
            attempts.withLock { $0 = attempt }
            if attempt < 4 { throw .bluez(.failed, message: "le-connection-abort-by-local") }
            return attempt
        }
        #expect(value == 4)
        #expect(clock.sleeps == [.seconds(1), .seconds(3), .seconds(5)])

        let fatal = RecordingClock()
        await #expect(throws: BlueZError.bluez(.notPermitted, message: "Not paired")) {
            _ = try await withRetries(policy: policy, clock: fatal, isRetryable: \.isConnectionAbort) {
                _ throws(BlueZError) -> Int in throw .bluez(.notPermitted, message: "Not paired")
            }
        }
        #expect(fatal.sleeps.isEmpty)

        let exhausted = RecordingClock()
        await #expect(throws: BlueZError.bluez(.failed, message: "le-connection-abort-by-local")) {
            _ = try await withRetries(policy: ConnectRetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), maxDelay: .seconds(1)),
                                      clock: exhausted, isRetryable: \.isConnectionAbort) {
                _ throws(BlueZError) -> Int in throw .bluez(.failed, message: "le-connection-abort-by-local")
            }
        }
        #expect(exhausted.sleeps.count == 2)
    }
}

/// A clock whose sleeps return at once and are recorded, to check backoff schedules without waiting.
final class RecordingClock: Clock, Sendable {
    private let recorded = Mutex<[Duration]>([])
    private let current = Mutex(ContinuousClock.now)

    var sleeps: [Duration] { recorded.withLock { $0 } }
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
        let start = now
        recorded.withLock { $0.append(start.duration(to: deadline)) }
        current.withLock { $0 = deadline }
    }
}
