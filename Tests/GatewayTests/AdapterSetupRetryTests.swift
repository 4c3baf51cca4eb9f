import BlueZ
import DBus
@testable import Gateway
import Testing

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
}
