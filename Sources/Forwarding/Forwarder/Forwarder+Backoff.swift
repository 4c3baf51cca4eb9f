import Foundation
import HealthProfiles
import ReadingStore

/// The back-off after a failure, and how urgent items get through it.
///
/// A failure (5xx, Retry-After, refused connection...) says something about the receiver, not about the items
/// that happened to be in the Bundle, so it starts a back-off for all of them: `backoffUntil`. It lives in
/// memory only: one Retry-After must not outlive the process that heard it, and a new item must not inherit a
/// delay that the receiver may no longer want. What ends it early:
/// - the receiver accepting anything (an urgent probe, `forwardNow`): every waiting item goes at once;
/// - `forwardNow()` (`dhoctl forward`);
/// - a restart (the items keep their own retry times, the urgent ones at most `urgentRetryInterval` out).
/// Urgent items (red readings, alert Flags) are rescheduled at most `urgentRetryInterval` out and are sent as
/// probes during the back-off, so one long Retry-After never keeps a red reading from the centre.
extension Forwarder {
    func fail(_ report: ForwardReport, reason: String, retryAfter: Duration?) -> ForwardReport {
        consecutiveFailures += 1
        var generator = SystemRandomNumberGenerator()
        var failed = report
        failed.failure = reason
        let delay = configuration.retry.delay(afterFailures: consecutiveFailures, retryAfter: retryAfter, using: &generator)
        failed.retryDelay = delay
        backoffUntil = clock.now().addingTimeInterval(delay.inSeconds)
        retryTimesMayBeStale = true
        logger.warning("forwarding failed; will retry", metadata: [
            "reason": "\(reason)", "failures": "\(consecutiveFailures)", "retryIn": "\(delay)",
        ])
        return failed
    }

    /// Returns the items of a failed attempt that were not resolved to the queue: urgent ones due after the
    /// delay but no later than `urgentRetryInterval`, the others after the delay.
    func reschedule(_ claimed: [OutboxItem], report: ForwardReport) async {
        let unresolved = claimed.filter { !resolved.contains($0.id) }
        let delay = report.retryDelay ?? .zero
        let now = clock.now()
        let urgent = unresolved.filter { $0.priority == .urgent }.map(\.id)
        let normal = unresolved.filter { $0.priority != .urgent }.map(\.id)
        do {
            try await store.scheduleRetry(
                urgent, notBefore: now.addingTimeInterval(min(delay, configuration.urgentRetryInterval).inSeconds),
                error: report.failure)
            try await store.scheduleRetry(normal, notBefore: now.addingTimeInterval(delay.inSeconds), error: report.failure)
        } catch {
            // They stay in flight and come back at the next open.
            logger.error("cannot reschedule items", metadata: ["error": "\(error)"])
        }
    }

    /// The receiver answered (accepted or rejected data): whatever back-off there was is over, and the items
    /// it held back go now.
    func receiverAnswered() async {
        consecutiveFailures = 0
        guard retryTimesMayBeStale || backoffUntil != nil else { return }
        await endBackoff(because: "the FHIR receiver answered again")
    }

    /// `forwardNow()` was called since the last look: end the back-off.
    func honourForwardNow() async {
        guard forwardNowRequested.withLock({ requested in defer { requested = false }; return requested }) else { return }
        consecutiveFailures = 0
        await endBackoff(because: "forwarding was asked for now")
    }

    func endBackoff(because reason: String) async {
        backoffUntil = nil
        lastAttemptAt = nil
        do {
            let moved = try await store.capRetrySchedule(notAfter: clock.now())
            retryTimesMayBeStale = false
            if moved > 0 { logger.notice("\(reason): sending the items that were waiting", metadata: ["items": "\(moved)"]) }
        } catch {
            logger.error("cannot reschedule items", metadata: ["error": "\(error)"])
        }
    }

    /// How long to wait after a failure that asked for `delay`: less when an urgent item comes due sooner.
    func firstWait(after delay: Duration) async -> Duration {
        guard let urgent = try? await store.nextAttemptAt(priority: .urgent) else { return delay }
        let probe = max(urgent, nextProbeTime())
        return min(delay, .milliseconds(Int64(max(probe.timeIntervalSince(clock.now()), 0.01) * 1000)))
    }

    /// How long to wait when nothing is due but items are pending: until the first one comes due, the back-off
    /// holding back all but the urgent ones. Retry times further out than this forwarder ever schedules are
    /// pulled in first (see below).
    func waitForDueItems(_ status: OutboxWaiting) async -> Duration {
        let now = clock.now()
        await pullInImplausibleRetryTimes(now: now, next: status.nextAttemptAt)
        let nextUrgent = try? await store.nextAttemptAt(priority: .urgent)
        // Read again: the pull-in may have moved it.
        var next = (try? await store.nextAttemptAt(priority: .normal)) ?? status.nextAttemptAt ?? now
        if let until = backoffUntil, until > now {
            next = max(next, until)
            if let nextUrgent { next = min(next, max(nextUrgent, nextProbeTime())) }
        }
        return .milliseconds(Int64(max(next.timeIntervalSince(now), 0.01) * 1000))
    }

    /// The earliest time an urgent probe may go: `urgentRetryInterval` after the last attempt.
    func nextProbeTime() -> Date {
        lastAttemptAt.map { $0.addingTimeInterval(configuration.urgentRetryInterval.inSeconds) } ?? .distantPast
    }

    /// Nothing this forwarder schedules lies further out than its longest delay, nor an urgent item further
    /// than `urgentRetryInterval`: an item that does was scheduled by a clock that was ahead (set back since,
    /// before a restart), or before it was known to be urgent (by an older version). It is pulled in.
    func pullInImplausibleRetryTimes(now: Date, next: Date?) async {
        let longest = max(configuration.retry.maximumDelay, configuration.retry.maximumRetryAfter).inSeconds
        let urgentLimit = now.addingTimeInterval(configuration.urgentRetryInterval.inSeconds)
        do {
            if let next, next.timeIntervalSince(now) > longest {
                let capped = try await store.capRetrySchedule(notAfter: now.addingTimeInterval(longest))
                logger.notice("retry times lay beyond the longest backoff (the clock was set back); pulled in",
                              metadata: ["items": "\(capped)"])
            }
            if let urgent = try await store.nextAttemptAt(priority: .urgent), urgent > urgentLimit {
                let capped = try await store.capRetrySchedule(notAfter: urgentLimit, priority: .urgent)
                logger.notice("urgent items were scheduled beyond the urgent retry interval; pulled in",
                              metadata: ["items": "\(capped)"])
            }
        } catch {
            logger.error("cannot reschedule items", metadata: ["error": "\(error)"])
        }
    }
}
