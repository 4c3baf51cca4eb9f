import Forwarding
import Foundation
import Logging
import ReadingStore
import ServiceLifecycle
import Triage

/// Fetches the patient's care plan from the centre (at start-up and every `patient: care-plan: poll-interval`)
/// and puts it through the same governance as a local change: installed when it names an ordering doctor and a
/// different verifier, is for this hub's patient and validates as a whole; refused otherwise, with the plan in
/// force unchanged. Each CarePlan version is handled once (the audit trail remembers it across restarts), and
/// the outcome goes to the centre as a Task through the durable outbox.
///
/// Cheap to poll: the search is sent with `If-None-Match` once the centre gave an ETag, and an unchanged
/// answer (304) costs one small exchange. Offline, the plan in force simply stays. On shutdown a poll in
/// progress is finished (its outcome recorded and reported) before the service ends.
struct CentrePlanPoller: Service {
    let exchange: any HTTPExchange
    let fhirBase: String
    let patientReference: String
    let gatewayID: String
    let triage: Triage
    let store: ReadingStore
    let interval: Duration
    let wakeForwarder: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        var etag: String?
        repeat {
            etag = await poll(etag: etag)
        } while await pauseUnlessShuttingDown(for: interval)
        logger.serviceStopped(.centrePlans)
    }

    /// One poll; returns the ETag to send next time.
    func poll(etag: String?) async -> String? {
        var headers = ["Accept: application/fhir+json"]
        if let etag { headers.append("If-None-Match: \(etag)") }
        let request = HTTPRequest(
            method: .get, url: CentrePlanSearch.url(base: fhirBase, patientReference: patientReference), headers: headers)
        let response: HTTPResponse
        do { response = try await exchange.send(request) } catch {
            logger.info("the centre could not be asked for the care plan; the plan in force stays", metadata: ["error": "\(error)"])
            return etag
        }
        if response.status == 304 { return etag }
        guard response.status == 200 else {
            logger.warning("the centre's care-plan search failed; the plan in force stays", metadata: ["status": "\(response.status)"])
            return etag
        }
        guard let bundle = try? JSON.parse(response.body, maximumValues: 100_000) else {
            logger.warning("the centre's care-plan answer is not JSON; the plan in force stays")
            return etag
        }
        await handle(CentrePlanSearch.read(bundle, patientReference: patientReference))
        return response.headers["etag"]
    }

    func handle(_ outcome: CentrePlanSearch.Outcome) async {
        switch outcome {
        case .noPlan:
            return
        case let .refused(reference, reason):
            await refuse(reference: reference, reason: reason)
        case let .order(order):
            do {
                if let earlier = try await triage.centrePlanOutcome(reference: order.reference) {
                    // Handled before: only make sure the centre has heard (the report may have been lost in a crash).
                    await report(order.reference, earlier.action == "installed"
                        ? .installed(hubVersion: earlier.version ?? 0) : .refused(reason: earlier.reason))
                    return
                }
                let version = try await triage.installCentrePlan(order)
                await report(order.reference, .installed(hubVersion: version.version))
            } catch {
                await refuse(reference: order.reference, reason: "\(error)")
            }
        }
    }

    func refuse(reference: String, reason: String) async {
        do {
            if try await triage.centrePlanOutcome(reference: reference) == nil {
                try await triage.recordRefusedCentrePlan(reference: reference, reason: reason)
            }
        } catch {
            logger.error("a refused care plan could not be recorded", metadata: ["error": "\(error)"])
        }
        await report(reference, .refused(reason: reason))
    }

    func report(_ reference: String, _ result: CentrePlanReport.Result) async {
        let (key, entry) = CentrePlanReport.entry(
            reference: reference, result: result, gatewayID: gatewayID, patientReference: patientReference, at: Date())
        do {
            let outcome = try await store.enqueue(
                kind: OutboxKind(rawValue: CentrePlanReport.outboxKind), key: key, payload: BundleEntry.payload([entry]),
                sequenceKey: entry.updatedResourceURL)
            if case .enqueued = outcome { wakeForwarder() }
        } catch {
            logger.error("the care-plan report could not be queued", metadata: ["error": "\(error)"])
        }
    }
}
