import Foundation
import ReadingStore

/// A claimed batch built into its Bundle, ready to post.
struct BuiltBatch {
    var claimed: [OutboxItem] = []
    var prepared: [PreparedItem] = []
    /// Nil when nothing of the batch can be sent (everything was parked while building).
    var bundle: TransactionBundle?
    /// What building did: items claimed and parked.
    var report = ForwardReport()
    /// Items resolved (parked) while building.
    var resolved: Set<Int64> = []
    /// Why the batch cannot be sent now (its annotations could not be built): it goes back to the queue.
    var failure: String?
    /// When the claim found nothing due: what still waits (see `ClaimedBatch.waiting`).
    var waiting: OutboxWaiting?
}

/// The drain with one Bundle prepared ahead.
///
/// Sending a Bundle and preparing the next one are independent, so they overlap: while Bundle N is on the wire
/// the forwarder records Bundle N-1 as delivered and claims batch N+1 in the same commit (one fsync per Bundle
/// instead of two, and none of them waited for), decodes, maps and serialises it; when N's answer comes, N+1 goes
/// at once. Still one request in flight, on the one kept-alive connection, in outbox order. The `bench drain`
/// figures before and after (debug build, 5000 readings, Bundles of 100): see the README's Performance section.
///
/// What does not change: nothing is recorded as delivered before the receiver's per-entry answer; a failure of
/// Bundle N ends the run before N+1 is sent, and N+1 (claimed, built, never sent) goes back to the queue with N,
/// under the same back-off (urgent items no later than `urgentRetryInterval`); a rejected Bundle is split and its
/// halves sent one after another as before. Urgent probes during a back-off use `forwardOnce` (no pipelining).
///
/// Under a live flow (a reading every 50 ms, one Bundle of one reading per round) the claim ahead almost always
/// came back empty: a commit per round for nothing, then a third commit to record the delivery with an empty
/// claim, a fourth when `drain` started the pipeline again, and `outboxStatus` (six queries) after that —
/// most of the forwarder's 46 % of the daemon's CPU under `bench resources` (perf, issue 16). So the claim
/// ahead is made only when it may find something (the batch on the wire was full, or `wake()` came since the
/// last claim), the delivery is otherwise recorded with the claim after the answer, and the run that ends on an
/// empty claim hands `drain` what still waits instead of a status query: two commits per round, not four.
///
/// Those two commits were a claim and a delivery mark, each about two pages of the WAL (the outbox row and its
/// state index), 1 KB each, on every reading (issue 16, flash wear: 24.8 KB written per reading against a target
/// of 24). Under `run` the delivery of a round that no claim followed is now kept (`deferredDeliveries`) and
/// recorded by the next round's claim, in its commit, when the next reading wakes the forwarder within
/// `deliveryMarkDelay` (250 ms; at 20 readings/s the next comes 50 ms later), and at the end of that delay
/// otherwise, with a claim that then finds nothing: one bookkeeping commit per reading under a live flow, and
/// the mark's row and index pages shared with the claim's. The price: for up to `deliveryMarkDelay` an item
/// the receiver has is still in flight in the outbox (`dhoctl status` counts it undelivered), and a crash in
/// that time sends it again, which the receiver's conditional create absorbs — as for any crash before a mark.
extension Forwarder {
    /// Claims and builds batch after batch until nothing is due, a failure, or `finish()`. Returns the totals;
    /// `failure`/`retryDelay` as in `forwardOnce`. With `deferringDeliveryMarks`, a delivery that no claim
    /// followed is left in `deferredDeliveries` instead of being recorded with a claim of its own; the next run
    /// records it with its first claim.
    func forwardPipelined(deferringDeliveryMarks: Bool = false) async -> ForwardReport {
        var report = ForwardReport()
        backoffUntil = nil
        var current = BuiltBatch()
        // `current`'s post, queued on the connection behind the one before it (see `QueuedPost`).
        var currentPost: QueuedPost?
        // The batch answered last round: freed only once the next one is on the wire. Tearing down its FHIR
        // entries (a tree of dictionaries per Observation) was 3 % of the drain's CPU (perf, release `bench
        // drain`), spent between an answer and the next request, where the connection sat idle.
        var answered: BuiltBatch?
        // Accepted by the receiver, recorded with the next claim.
        var unrecorded = deferredDeliveries
        deferredDeliveries = []
        endedOnEmptyClaim = nil
        while true {
            let sending = current.bundle
            if let sending, currentPost == nil { currentPost = queuePost(sending, after: nil) }
            if answered != nil { answered = nil }
            // While `current` is on the wire: record the previous Bundle's delivery and claim the next batch,
            // when the claim may find something; otherwise both wait for the answer (one commit, not two).
            var next = BuiltBatch()
            var recordingFailure: String?
            if sending == nil || mayFindMoreThan(current) {
                do {
                    claimedAtWake = wakes.withLock { $0 }
                    if let batch = try await record(unrecorded, thenClaim: keepsGoing) {
                        next = await build(batch)
                        report.claimed += next.claimed.count
                        report.parked += next.report.parked
                        if !next.claimed.isEmpty { report.bundles += 1; lastAttemptAt = clock.now() }
                    }
                    report.delivered += unrecorded.count
                } catch {
                    // Not recorded: those items stay in flight and are sent again after the next open.
                    logger.error("delivered items could not be marked delivered", metadata: ["error": "\(error)"])
                    recordingFailure = "cannot record delivery: \(error)"
                }
                unrecorded = []
            }
            // Queued behind `current`: it goes out the moment current's answer is in, if that answer is a 2xx.
            var nextPost = next.bundle.flatMap { keepsGoing ? queuePost($0, after: currentPost) : nil }

            if let sending, let post = currentPost {
                let result: Result<HTTPResponse, TransportError>
                if let answer = await post.answer() {
                    result = answer
                } else {
                    // Not sent: the Bundle before it was rejected (and its halves sent since). Sent now; the one
                    // queued behind it is not sent either, and goes first in the next round.
                    result = await transport.answer(posting: sending.body)
                    nextPost = nil
                }
                resolved = current.resolved
                var sent = ForwardReport()
                var accepted: [Int64]? = []
                let outcome = await settle(
                    result, bundle: sending, items: current.prepared, report: &sent, acceptedToRecord: &accepted)
                // With what an earlier answer left unrecorded when no claim was made meanwhile.
                unrecorded += accepted ?? []
                report.delivered += sent.delivered
                report.parked += sent.parked
                if case let .transient(reason, retryAfter) = outcome {
                    report = fail(report, reason: reason, retryAfter: retryAfter)
                    await reschedule(current.claimed, report: report)
                    return await endRun(report, returning: next, queued: nextPost, delivered: unrecorded)
                }
                if !unrecorded.isEmpty || sent.delivered > 0 || sent.parked > 0 { await receiverAnswered() }
            }
            if let recordingFailure {
                report = fail(report, reason: recordingFailure, retryAfter: nil)
                return await endRun(report, returning: next, queued: nextPost, delivered: unrecorded)
            }
            if let failure = next.failure {
                report = fail(report, reason: failure, retryAfter: nil)
                return await endRun(report, returning: next, queued: nextPost, delivered: unrecorded)
            }
            if !keepsGoing { return await endRun(report, returning: next, queued: nextPost, delivered: unrecorded) }
            if deferringDeliveryMarks, next.claimed.isEmpty, !unrecorded.isEmpty, wakes.withLock({ $0 }) == claimedAtWake {
                // Nothing queued since the last claim: the next reading's claim records these (see above).
                deferredDeliveries = unrecorded
                if report.parked > 0 { await parkedChanged?() }
                return report
            }
            if next.claimed.isEmpty, unrecorded.isEmpty {
                endedOnEmptyClaim = next.waiting
                if report.parked > 0 { await parkedChanged?() }
                return report
            }
            answered = current
            current = next
            currentPost = nextPost
        }
    }

    /// `bundle` queued on the connection behind `previous`, sent only if previous's answer is a 2xx: after a failure
    /// the run ends (and the queued Bundle goes back to the queue unsent), after a rejection the rejected Bundle's
    /// halves go first.
    private func queuePost(_ bundle: TransactionBundle, after previous: QueuedPost?) -> QueuedPost {
        transport.post(bundle.body, after: previous) { answer in
            guard case let .success(response) = answer else { return false }
            return Forwarder.verdict(response.status) == .accepted
        }
    }

    /// Builds the Bundle of a claimed batch (items that cannot be built are parked).
    func build(_ batch: ClaimedBatch) async -> BuiltBatch {
        resolved = []
        var built = BuiltBatch(claimed: batch.items, waiting: batch.waiting)
        built.report.claimed = batch.items.count
        guard !batch.items.isEmpty else { return built }
        do {
            built.prepared = try await prepare(batch, report: &built.report)
            if !built.prepared.isEmpty { built.bundle = TransactionBundle(built.prepared) }
        } catch {
            built.failure = "cannot prepare the batch: \(error)"
        }
        built.resolved = resolved
        return built
    }

    /// Whether a claim made while `sending` is on the wire may find anything: the batch was full (a backlog), or
    /// something was queued (`wake()`) since the last claim. Items whose retry time comes while the Bundle is on
    /// the wire are found by the claim after the answer.
    private func mayFindMoreThan(_ sending: BuiltBatch) -> Bool {
        sending.claimed.count >= configuration.batchSize || wakes.withLock { $0 } != claimedAtWake
    }

    /// Records `delivered` and, when `claim` holds, claims the next batch in the same commit.
    private func record(_ delivered: [Int64], thenClaim claim: Bool) async throws(StoreError) -> ClaimedBatch? {
        guard claim else {
            try await store.markDelivered(delivered)
            return nil
        }
        return try await store.markDeliveredAndClaim(delivered, limit: configuration.batchSize, now: clock.now())
    }

    /// Ends a run early: the batch claimed ahead goes back to the queue (under the back-off after a failure, due at
    /// once after `finish()`), and what the receiver accepted is recorded. Its post, if queued, is waited for first
    /// (the connection is then free): unsent after a failure; sent when the answer before it was a 2xx the forwarder
    /// could not read, or when `finish()` came while it was queued — then it goes again later and the receiver's
    /// conditional create finds it already there.
    private func endRun(
        _ report: ForwardReport, returning ahead: BuiltBatch, queued: QueuedPost?, delivered: [Int64]
    ) async -> ForwardReport {
        _ = await queued?.answer()
        var report = report
        resolved = ahead.resolved
        await reschedule(ahead.claimed, report: report)
        do {
            try await store.markDelivered(delivered)
            report.delivered += delivered.count
        } catch {
            logger.error("delivered items could not be marked delivered", metadata: ["error": "\(error)"])
        }
        if report.parked > 0 { await parkedChanged?() }
        return report
    }
}
