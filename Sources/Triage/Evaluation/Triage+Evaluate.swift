public import Foundation
import GRDB
public import HealthProfiles
import Logging
public import ReadingStore

extension Triage {
    /// Triages a reading the gateway has already stored durably, and releases its held outbox item (see
    /// `ReadingStore.ingest(..., held:)`) in the same transaction, so the reading is forwarded only once its
    /// evaluation is committed and its Observation can carry the triage interpretation.
    ///
    /// - Parameters:
    ///   - readingID: the store's identifier of the reading (`IngestOutcome.readingID.rawValue`, for a stored
    ///     reading and a duplicate alike); triaging the same id again returns the stored result, changes
    ///     nothing and releases the reading if it is still held (the daemon replays readings after a crash).
    ///   - measuredAt: the clock-corrected measurement time.
    /// - Returns: the zone (worst of all rules) or "control measurement needed", the text to show the patient,
    ///   and the alert changes. Alerts are raised, logged and queued for the hook and the centre whether or not
    ///   the network is up.
    /// - Throws: `TriageError.noActivePlan` before a care plan is installed; the reading then stays held
    ///   (nothing goes out untriaged) until `evaluateHeldReadings()` runs with a plan in place.
    public func evaluate(readingID: String, measuredAt: Date, reading: Reading) async throws -> TriageResult {
        let result = try await store.write { unit in
            try self.evaluate(in: unit, readingID: readingID, measuredAt: measuredAt, reading: reading)
        }
        await evaluated(result, reading: reading)
        return result
    }

    /// The transactional part of `evaluate(readingID:measuredAt:reading:)`, inside the caller's `unit` (the
    /// gateway runs it in the reading's own commit: `ReadingStore.ingest(_:thenInTheSameCommit:)`). Once that
    /// commit is through, call `evaluated(_:reading:)`.
    public func evaluate(
        in unit: StoreUnitOfWork, readingID: String, measuredAt: Date, reading: Reading
    ) throws -> TriageResult {
        guard !Self.isBlank(readingID) else { throw TriageError.invalidReadingID }
        let result = try evaluate(unit, readingID: readingID, measuredAt: measuredAt, reading: reading, now: clock())
        // A red reading is urgent for the forwarder: it must not wait behind a long back-off. The evaluation goes
        // with the item, so that the forwarder builds the Observation's interpretation without asking anyone.
        let priority: OutboxPriority = result.outcome == .zone(.red) ? .urgent : .normal
        try unit.release([ReadingID(rawValue: readingID)], priority: priority, annotation: try EvaluationAnnotation.bytes(result))
        return result
    }

    /// What follows a committed evaluation: its log lines and the hook and cue deliveries it queued.
    public func evaluated(_ result: TriageResult, reading: Reading) async {
        let readingID = result.readingID
        if !result.wasAlreadyEvaluated {
            switch result.outcome {
            case let .zone(zone):
                logger.info("reading triaged", metadata: [
                    "reading": "\(readingID)", "kind": "\(reading.kind.rawValue)", "zone": "\(zone.rawValue)",
                    "plan-version": "\(result.planVersion)"])
            case let .controlMeasurementNeeded(reasons):
                logger.notice("control measurement requested: reading unreliable", metadata: [
                    "reading": "\(readingID)", "kind": "\(reading.kind.rawValue)",
                    "reasons": "\(reasons.joined(separator: ","))"])
            case .notAssessed:
                logger.info("reading not assessed: the care plan has no rules for its vitals", metadata: [
                    "reading": "\(readingID)", "kind": "\(reading.kind.rawValue)", "plan-version": "\(result.planVersion)"])
            }
            log(result.alertEvents)
        }
        await hooks.kick()
    }

    /// `evaluate(readingID:measuredAt:reading:)` for a reading as the store returns it.
    @discardableResult
    public func evaluate(_ stored: StoredReading) async throws -> TriageResult {
        try await evaluate(readingID: stored.id.rawValue, measuredAt: stored.measuredAt, reading: stored.reading)
    }

    /// Start-up recovery: evaluates and releases every reading the store still holds, oldest first — those
    /// a crash (or a missing care plan) caught between ingest and triage. Evaluation is idempotent, so a
    /// reading triaged just before the crash is only released. Call it after `installPlanIfNeeded` and
    /// before starting the forwarder. Returns the results, in order.
    @discardableResult
    public func evaluateHeldReadings() async throws -> [TriageResult] {
        var results: [TriageResult] = []
        var after: Int64?
        // Paged by row id: each reading is visited once, whatever happens to it.
        while case let page = try await store.heldReadings(after: after, limit: 200), let last = page.last {
            for stored in page { results.append(try await evaluate(stored)) }
            after = last.rowID
        }
        if !results.isEmpty {
            logger.notice("triaged and released readings held since before the restart", metadata: [
                "count": "\(results.count)"])
        }
        return results
    }

    /// The stored interpretation of a triaged reading, for its FHIR Observation; nil when it was not triaged
    /// or needed a control measurement.
    public func interpretation(readingID: String) async throws -> ReadingInterpretation? {
        try await storedResult(readingID: readingID).flatMap(TriageFHIR.interpretation(for:))
    }

    /// The stored triage result of a reading, if it was triaged.
    public func storedResult(readingID: String) async throws -> TriageResult? {
        // Evaluations are found by their reading's measurement time (triage.v6); one the store no longer holds
        // the reading of is looked for among all.
        let measuredAt = try await store.storedReading(ReadingID(rawValue: readingID))?.measuredAt
        return try await database.read { db in
            guard let measuredAt else { return try EvaluationRecords.results(db, readingIDs: [readingID])[readingID] }
            return try EvaluationRecords.result(
                db, readingID: readingID, near: measuredAt, slack: EvaluationRecords.measurementTimeSlack)
        }
    }

    /// The result of a reading evaluated before, inside the transaction that would evaluate it: looked for at the
    /// measurement time the store keeps for the reading (the one it was first triaged with), and near `measuredAt`
    /// when that is another (a re-sent record corrected by another visit's clock offset) or the store no longer
    /// holds the reading. A new reading costs one look-up in the index's last leaf.
    private static func storedResult(_ unit: StoreUnitOfWork, readingID: String, measuredAt: Date) throws -> TriageResult? {
        let stored = try unit.measurementTime(of: ReadingID(rawValue: readingID))
        if let stored, let result = try EvaluationRecords.result(unit.db, readingID: readingID, near: stored, slack: 1) {
            return result
        }
        if let stored, abs(stored.timeIntervalSince(measuredAt)) < 1 { return nil }
        return try EvaluationRecords.result(
            unit.db, readingID: readingID, near: measuredAt, slack: EvaluationRecords.measurementTimeSlack)
    }

    private func evaluate(
        _ unit: StoreUnitOfWork, readingID: String, measuredAt: Date, reading: Reading, now: Date
    ) throws -> TriageResult {
        let db = unit.db
        if var stored = try Self.storedResult(unit, readingID: readingID, measuredAt: measuredAt) {
            stored.wasAlreadyEvaluated = true
            return stored
        }
        guard let active = try PlanRecords.activeDocument(db) else { throw TriageError.noActivePlan }
        let plan = active.document.plan
        let version = active.version
        let centreOpen = plan.openingHours.isOpen(at: now)
        let reliable = reading.isReliable

        // Canonical values first: they feed baselines, windows and schedules, reliable or not (flagged).
        var values: [(vital: VitalSign, value: Double, unit: UCUMUnit)] = []
        // Results beyond the meter's range (LO / HI): measured, triaged, but with no number to keep for baselines
        // and windows.
        var beyond: [(vital: VitalSign, limit: BeyondRangeText.Limit)] = []
        var skipped: [String] = []
        for component in reading.components {
            if let limit = BeyondRangeText.limit(of: component, in: reading) {
                beyond.append((component.vital, limit))
                continue
            }
            guard let number = component.value.number else { continue }
            guard let unit = CanonicalUnits.unit(for: component.vital) else {
                skipped.append("\(component.vital.rawValue): no triage rules for this vital")
                continue
            }
            guard let value = CanonicalUnits.canonicalValue(number.doubleValue, unit: component.unit, vital: component.vital),
                  value.isFinite
            else {
                skipped.append("\(component.vital.rawValue): \(component.unit.rawValue) cannot be converted to \(unit.rawValue)")
                continue
            }
            try ValueRecords.insert(db, readingID: readingID, vital: component.vital, value: value,
                                    measuredAt: measuredAt, reliable: reliable)
            values.append((component.vital, value, unit))
        }

        var events = try clearMissingMeasurementAlerts(
            unit, plan: plan, version: version, measured: Set(values.map(\.vital) + beyond.map(\.vital)), measuredAt: measuredAt,
            readingID: readingID, centreOpen: centreOpen, now: now)

        let outcome: TriageResult.Outcome
        let message: String
        var assessments: [VitalAssessment] = []
        if !reliable {
            outcome = .controlMeasurementNeeded(reasons: reading.unreliabilityReasons)
            message = plan.texts.controlMeasurement
            if configuration.queuesHookEvents {
                try HookQueueRecords.enqueue(db, event: "control-measurement", payload: HookPayload(
                    event: "control-measurement", alertID: nil, alertKey: nil, kind: reading.kind.rawValue,
                    vital: nil, zone: nil, previousZone: nil, afterHours: !centreOpen, patientMessage: message,
                    summary: "\(reading.kind.rawValue) unreliable: \(reading.unreliabilityReasons.joined(separator: ", "))",
                    measuredAt: TriageFHIR.dateTime(measuredAt), deviceLastSeen: nil,
                    reasons: reading.unreliabilityReasons, planVersion: version, at: TriageFHIR.dateTime(now)), at: now)
            }
        } else {
            let triaged = plan.triagedVitals
            for entry in values {
                if triaged.contains(entry.vital) {
                    assessments.append(try assess(db, plan: plan, vital: entry.vital, value: entry.value, unit: entry.unit,
                                                  readingID: readingID, measuredAt: measuredAt))
                } else if try ZoneStateRecords.fetch(db, key: Self.vitalKey(entry.vital)) != nil {
                    // The plan no longer has rules for this vital: a fresh value ends any alert still standing.
                    assessments.append(VitalAssessment(vital: entry.vital, value: entry.value, unit: entry.unit,
                                                       zone: .green, findings: [], baseline: nil))
                }
            }
            for entry in beyond where triaged.contains(entry.vital) {
                let finding = RuleEvaluator.beyondRange(entry.limit, vital: entry.vital, bounds: plan.absoluteBounds[entry.vital])
                assessments.append(VitalAssessment(vital: entry.vital, value: entry.limit.value, unit: entry.limit.unit,
                                                   zone: finding.zone, findings: [finding], baseline: nil,
                                                   beyondMeasuringRange: entry.limit.side))
            }
            let beyondLimits = beyond.filter { triaged.contains($0.vital) }.map(\.limit)
            if let zone = assessments.map(\.zone).max() {
                outcome = .zone(zone)
                message = PatientMessages.forZone(zone, texts: plan.texts, centreOpen: centreOpen, beyond: beyondLimits)
            } else {
                outcome = .notAssessed
                message = plan.texts.notAssessed
            }
            for assessment in assessments {
                let decisive = assessment.findings.filter { $0.zone == assessment.zone }
                events += try applyTransition(unit, AlertCandidate(
                    key: Self.vitalKey(assessment.vital), kind: .measurement, vital: assessment.vital, scheduleID: nil,
                    zone: assessment.zone, measuredAt: measuredAt, readingID: readingID,
                    summary: decisive.map(\.summary).joined(separator: "; "),
                    patientMessage: PatientMessages.forZone(
                        assessment.zone, texts: plan.texts, centreOpen: centreOpen,
                        beyond: beyond.filter { $0.vital == assessment.vital }.map(\.limit)),
                    afterHours: !centreOpen, planVersion: version, deviceLastSeen: nil, occurrenceStart: nil,
                    endReason: "back to green"), now: now)
            }
        }

        if configuration.cues != nil {
            // In the reading's own transaction: a receipt is given exactly for the readings that were stored.
            var zone: Zone?
            if case let .zone(value) = outcome { zone = value }
            try HookQueueRecords.enqueue(db, event: HookPayload.readingReceived, payload: HookPayload(
                event: HookPayload.readingReceived, alertID: nil, alertKey: nil, kind: reading.kind.rawValue, vital: nil,
                zone: zone?.rawValue, previousZone: nil, afterHours: !centreOpen, patientMessage: message,
                summary: "reading received", measuredAt: TriageFHIR.dateTime(measuredAt), deviceLastSeen: nil,
                reasons: nil, planVersion: version, at: TriageFHIR.dateTime(now)), at: now)
        }

        let result = TriageResult(
            readingID: readingID, measuredAt: measuredAt, evaluatedAt: now, planVersion: version, outcome: outcome,
            assessments: assessments, skipped: skipped, patientMessage: message, afterHours: !centreOpen,
            alertEvents: events, wasAlreadyEvaluated: false)
        try EvaluationRecords.insert(db, result)
        return result
    }

    /// What `trimmingCharacters(in: .whitespaces).isEmpty` answers, without the trip through Foundation's NSString and
    /// CharacterSet (which cost more than the rest of the check) for every reading: of ASCII, that set holds only the
    /// space and the tab, so any other ASCII character (every id the store gives) is an answer; Foundation decides the
    /// rest, so the two can never disagree.
    static func isBlank(_ text: String) -> Bool {
        if text.utf8.contains(where: { $0 < 0x80 && $0 != 0x20 && $0 != 0x09 }) { return false }
        return text.trimmingCharacters(in: .whitespaces).isEmpty
    }

    static func vitalKey(_ vital: VitalSign) -> String { "vital:\(vital.rawValue)" }
    static func scheduleKey(_ id: String) -> String { "schedule:\(id)" }

    /// All rules of `plan` for one vital; the vital's zone is the worst finding.
    private func assess(
        _ db: Database, plan: CarePlan, vital: VitalSign, value: Double, unit: UCUMUnit, readingID: String,
        measuredAt: Date
    ) throws -> VitalAssessment {
        var findings: [RuleFinding] = []
        if let bounds = plan.absoluteBounds[vital], let finding = RuleEvaluator.absolute(bounds, value: value) {
            findings.append(finding)
        }
        var baselineValue: Double?
        if let settings = plan.baseline, let rule = settings.changes[vital] {
            if let baseline = try baseline(db, vital: vital, settings: settings, now: measuredAt) {
                baselineValue = baseline.value
                if let finding = RuleEvaluator.baseline(rule, value: value, baseline: baseline.value) {
                    findings.append(finding)
                }
            }
        }
        for rule in plan.windowChanges where rule.vital == vital {
            let start = measuredAt.addingTimeInterval(-rule.windowHours * 3600)
            if let reference = try ValueRecords.windowReference(
                db, vital: vital, direction: rule.direction, start: start, end: measuredAt, excluding: readingID),
               let finding = RuleEvaluator.window(rule, value: value, reference: reference) {
                findings.append(finding)
            }
        }
        return VitalAssessment(vital: vital, value: value, unit: unit, zone: findings.map(\.zone).max() ?? .green,
                               findings: findings, baseline: baselineValue)
    }

    /// The established baseline, establishing it now if its collection period is complete.
    private func baseline(_ db: Database, vital: VitalSign, settings: BaselineSettings, now: Date) throws -> Baseline? {
        if let existing = try BaselineRecords.fetch(db, vital: vital) { return existing }
        let collectFrom = try BaselineRecords.collectFrom(db, vital: vital)
        // While the collection period runs, nothing can be established: say so from the period's start alone
        // rather than reading every value collected so far for each reading (the same answer as
        // `BaselineBuilder.establish`, which starts the period at `collectFrom` or at the first value; reading
        // them all was a tenth of the daemon's CPU under load, growing with every reading).
        guard let first = try ValueRecords.firstReliableTime(db, vital: vital, from: collectFrom),
              !BaselineBuilder.isCollecting(periodStart: collectFrom ?? first, settings: settings, now: now)
        else { return nil }
        let values = try ValueRecords.reliable(db, vital: vital, from: collectFrom)
        guard let baseline = BaselineBuilder.establish(
            vital: vital, values: values, settings: settings, collectFrom: collectFrom, now: now)
        else { return nil }
        try BaselineRecords.insert(db, baseline)
        logger.notice("habitual value established", metadata: [
            "vital": "\(vital.rawValue)", "value": "\(RuleEvaluator.format(baseline.value))",
            "samples": "\(baseline.sampleCount)", "statistic": "\(baseline.statistic.rawValue)"])
        return baseline
    }

    /// A value of a scheduled vital measured in (or after) the missed window meets the schedule.
    private func clearMissingMeasurementAlerts(
        _ unit: StoreUnitOfWork, plan: CarePlan, version: Int, measured: Set<VitalSign>, measuredAt: Date, readingID: String,
        centreOpen: Bool, now: Date
    ) throws -> [AlertEvent] {
        let db = unit.db
        var events: [AlertEvent] = []
        for schedule in plan.schedules where !measured.isDisjoint(with: schedule.vitals) {
            let key = Self.scheduleKey(schedule.id)
            guard let state = try ZoneStateRecords.fetch(db, key: key), let alertID = state.alertID,
                  let windowStart = try AlertRecords.occurrenceStart(db, id: alertID), measuredAt >= windowStart
            else { continue }
            events += try applyTransition(unit, AlertCandidate(
                key: key, kind: .missingMeasurement, vital: nil, scheduleID: schedule.id, zone: .green,
                measuredAt: nil, readingID: readingID, summary: "measured", patientMessage: plan.texts.green,
                afterHours: !centreOpen, planVersion: version, deviceLastSeen: nil, occurrenceStart: nil,
                endReason: "measurement received"), now: now)
        }
        return events
    }
}
