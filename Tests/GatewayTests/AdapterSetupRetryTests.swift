import BlueZ
import CancellableTimers
import DBus
@testable import Gateway
import Synchronization
import Testing
import TestSupport

/// Which adapter setup failures are tried again, and how the wait between attempts grows (the end-to-end case is
/// `BluetoothOutageTests.scanningResumesWhenBluetoothdAnswersTheAdapterSetupBusyAfterARestart`).
@Suite struct AdapterSetupRetryTests {
    @Test(arguments: [
        (BlueZError.bluez(.busy, message: ""), true),
        (.bluez(.inProgress, message: "Operation already in progress"), true),
        (.bluez(.notReady, message: "Resource Not Ready"), true),
        (.timedOut("/org/bluez/hci0 to be powered"), true),
        (.bluez(.failed, message: "Failed"), false),
        (.bluez(.notPermitted, message: ""), false),
        (.serviceUnavailable, false),
        (.cancelled, false),
    ])
    func transientFailuresAreTheOnesTriedAgain(error: BlueZError, transient: Bool) {
        #expect(AdapterSetupRetry.isTransient(error) == transient)
    }

    @Test func theWaitDoublesUpToTheMaximumAndTheEpisodeIsCountedOnce() {
        var retry = AdapterSetupRetry()
        #expect(!retry.failing)
        var delays: [Duration] = []
        var firsts = 0
        for _ in 0..<12 {
            if retry.failed() { firsts += 1 }
            delays.append(retry.nextDelay)
        }
        #expect(firsts == 1)
        #expect(delays.prefix(3) == [AdapterSetupRetry.firstDelay, AdapterSetupRetry.firstDelay * 2, AdapterSetupRetry.firstDelay * 4])
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(delays.last == AdapterSetupRetry.maximumDelay)
        #expect(retry.failing)
        #expect(retry.succeeded() == 12)
        #expect(!retry.failing)
        #expect(retry.succeeded() == nil)
    }

    /// A retry that is no longer wanted (the setup worked, bluetoothd left) neither runs nor leaves its timer armed
    /// (issue 16 counts wake-ups): one scheduled after it, due later, runs and the cancelled one never did.
    @Test func aCancelledRetryNeitherRunsNorWakesTheProcess() async throws {
        let fired = FiredTimerCount()
        let ran = Mutex<[String]>([])
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        let probe = StreamProbe(done)
        try await CancellableSleep.$firedTimers.withValue(fired) {
            var retry = AdapterSetupRetry()
            _ = retry.failed()
            retry.schedule { ran.withLock { $0.append("cancelled") } }
            #expect(retry.succeeded() == 1)
            // Another's retry, due after the cancelled one would have been: when it has run, the other would have too.
            var other = AdapterSetupRetry()
            _ = other.failed()
            other.schedule {
                ran.withLock { $0.append("wanted") }
                finished.yield()
            }
            _ = try await probe.next(within: .seconds(30), "the retry scheduled last")
        }
        #expect(ran.withLock { $0 } == ["wanted"])
        #expect(fired.afterCancellation == 0)
    }
}
