import Dispatch
import Foundation
import Logging

/// The last line of defence of a shutdown. systemd sends SIGKILL once `TimeoutStopSec` (30 s) has passed; a
/// shutdown stuck on something nobody foresaw (a dependency that never answers) should instead end with a
/// line in the journal saying so. Every reading was committed before its device was acknowledged and SQLite's
/// WAL keeps the file consistent, so leaving without closing the database loses nothing.
///
/// It runs on a Dispatch queue, not in the Swift concurrency pool, so that it fires even if every task there
/// is waiting.
enum ShutdownDeadline {
    /// Ends the process with status 1 after `seconds`, unless it has ended by then.
    static func arm(after seconds: Double, logger: Logger) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            logger.error("shutdown did not finish within \(Int(seconds)) s; exiting without it (every reading is already committed)")
            _exit(1)
        }
    }
}
