import BlueZ
import CancellableTimers

/// When the adapter's setup (power, discovery filter, StartDiscovery) is tried again after it failed.
///
/// Right after bluetoothd restarts, Debian's 5.66 exports the adapter while it is still powering it and answers a
/// client's Set of Powered with org.bluez.Error.Busy (StartDiscovery with NotReady): a setup tried only on the
/// restart's events failed twice and was never tried again, so the hub stopped scanning for good (issue 18's
/// `bluetoothd-restart-mid-visit` run). A transient failure is tried again after a back-off that doubles up to
/// `maximumDelay`; only one retry is ever pending and none once the setup worked or the adapter is gone (issue 16
/// counts wake-ups).
struct AdapterSetupRetry: Sendable {
    static let firstDelay: Duration = .milliseconds(250)
    static let maximumDelay: Duration = .seconds(30)

    /// The failed attempts of the current episode (0: the last setup worked).
    private(set) var failures = FailureEpisode()
    private var pending: Task<Void, Never>?

    /// A failure that a later attempt can fix without anyone's help: bluetoothd still busy with the adapter, or the
    /// adapter not powered yet when it was waited for.
    static func isTransient(_ error: BlueZError) -> Bool {
        switch error {
        case .bluez(.busy, _), .bluez(.inProgress, _), .bluez(.notReady, _), .timedOut, .dbus(.timedOut):
            true
        default:
            false
        }
    }

    /// The last setup failed (a retry may be pending).
    var failing: Bool { failures.count > 0 }

    /// Counts a failed setup; true for the first of an episode (the one to log).
    mutating func failed() -> Bool { failures.record() }

    /// The setup worked: the number of failed attempts before it, nil if there were none.
    mutating func succeeded() -> Int? {
        cancel()
        return failures.end()
    }

    /// The delay before the next attempt after the failures counted so far.
    var nextDelay: Duration {
        let doublings = min(max(failures.count - 1, 0), 16)
        return min(Self.maximumDelay, Self.firstDelay * (1 << doublings))
    }

    /// Runs `attempt` after `nextDelay`, replacing any retry still pending.
    mutating func schedule(_ attempt: @escaping @Sendable () async -> Void) {
        pending?.cancel()
        let delay = nextDelay
        pending = Task {
            do { try await CancellableSleep.sleep(for: delay) } catch { return }
            await attempt()
        }
    }

    /// The pending retry's attempt begins: it is no longer pending, so that the attempt, running in its task, is not
    /// cancelled by the setup it starts.
    mutating func begins() { pending = nil }

    /// No retry any more (the setup is being run now, worked, or cannot work until bluetoothd or the adapter returns).
    mutating func cancel() {
        pending?.cancel()
        pending = nil
    }
}
