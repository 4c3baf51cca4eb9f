import Foundation
import GRDB
import HealthProfiles
import Logging

/// Turns hook events into the patient's cues: the lights and the spoken texts.
///
/// A yellow/red alert's self-treatment text is spoken when raised and again every `repeatInterval` while the
/// alert stands unacknowledged; quiet hours silence it, and a cue still standing when they end is given then.
/// Standing alerts are read back from the database at start-up, so repetition survives a restart too.
/// Failures (no audio device, a missing LED) are reported through `problems` and never stop the queue.
actor PatientCues {
    /// An alert whose text is repeated.
    private struct Standing {
        var alertID: String
        var text: String
        var lastSpoken: Date?
    }

    private let settings: PatientCueSettings
    private let database: any DatabaseWriter
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let problems: @Sendable (String?) -> Void
    private var standing: [String: Standing] = [:]
    /// Control-measurement requests that fell in quiet hours: spoken when they end.
    private var deferred: [String] = []
    private var utterances = 0
    private var receiptGeneration = 0
    private var repeater: Task<Void, Never>?

    init(settings: PatientCueSettings, database: any DatabaseWriter, logger: Logger, clock: @escaping @Sendable () -> Date,
         problems: @escaping @Sendable (String?) -> Void) {
        self.settings = settings
        self.database = database
        self.logger = logger
        self.clock = clock
        self.problems = problems
    }

    /// Restores the standing alerts and starts repeating them (once).
    func start() async {
        guard let speech = settings.speech, repeater == nil else { return }
        let restored = (try? await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, alert_key, patient_message FROM triage_alerts
                WHERE status = 'active' AND acknowledged_at IS NULL
                """).map { (key: $0["alert_key"] as String, id: $0["id"] as String, text: $0["patient_message"] as String) }
        }) ?? []
        // Already spoken by the run that raised them: the next repetition is one interval from now.
        for alert in restored where standing[alert.key] == nil {
            standing[alert.key] = Standing(alertID: alert.id, text: alert.text, lastSpoken: clock())
        }
        // Quiet hours must end on time even with a long repeat interval.
        let tick = min(speech.repeatInterval, .seconds(30))
        repeater = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                _ = await self?.speakDue()
            }
        }
    }

    func deliver(_ payload: HookPayload) async -> HookOutcome {
        var failures: [String] = []
        if let lights = settings.lights {
            do { try await show(payload, on: LEDPanel(lights: lights)) } catch { failures.append("\(error)") }
        }
        if settings.speech != nil {
            switch payload.event {
            case "alert-raised":
                if let key = payload.alertKey, let id = payload.alertID {
                    standing[key] = Standing(alertID: id, text: payload.patientMessage, lastSpoken: nil)
                }
            case "alert-cleared":
                if let key = payload.alertKey { standing.removeValue(forKey: key) }
            case "control-measurement":
                deferred.append(payload.patientMessage)
            case "reading-received":
                // A receipt is only worth saying now: it is dropped in quiet hours.
                if let receipt = settings.speech?.receiptText, !isQuiet() {
                    failures += await say(receipt, event: "receipt")
                }
            default:
                break
            }
            failures += await speakDue()
        }
        problems(failures.isEmpty ? nil : failures.joined(separator: "; "))
        return failures.isEmpty ? .delivered : .failed(failures.joined(separator: "; "))
    }

    private func show(_ payload: HookPayload, on panel: LEDPanel) async throws {
        switch payload.event {
        case "reading-received":
            if let zone = payload.zone.flatMap(Zone.init(rawValue:)) { try panel.show(zone) }
            try panel.setReceipt(on: true)
            receiptGeneration += 1
            let generation = receiptGeneration
            let duration = settings.lights?.receiptDuration ?? .seconds(5)
            Task { [weak self] in
                try? await Task.sleep(for: duration)
                await self?.endReceipt(generation, panel: panel)
            }
        case "alert-raised":
            // At once, before the (possibly long) spoken text; the reading's receipt follows.
            if let zone = payload.zone.flatMap(Zone.init(rawValue:)) { try panel.show(zone) }
        case "control-measurement":
            // The reading could not be judged: yellow asks the patient to act (measure again).
            try panel.show(.yellow)
        default:
            break
        }
    }

    private func endReceipt(_ generation: Int, panel: LEDPanel) {
        // A later reading's receipt keeps the LED lit for its own full duration.
        guard generation == receiptGeneration else { return }
        do { try panel.setReceipt(on: false) } catch { problems("\(error)") }
    }

    private func isQuiet() -> Bool {
        guard let speech = settings.speech, let quiet = speech.quietHours else { return false }
        return quiet.contains(clock(), in: speech.timeZone)
    }

    /// Speaks every cue that is due now, unless in quiet hours; returns the failures.
    @discardableResult
    private func speakDue() async -> [String] {
        guard let speech = settings.speech, !isQuiet() else { return [] }
        var failures: [String] = []
        let pending = deferred
        deferred = []
        for text in pending { failures += await say(text, event: "control-measurement") }
        for key in standing.keys.sorted() {
            guard let alert = standing[key] else { continue }
            if let last = alert.lastSpoken, clock().timeIntervalSince(last) < speech.repeatInterval.inSeconds { continue }
            guard await stillStanding(alert.alertID) else {
                standing.removeValue(forKey: key)
                continue
            }
            // Marked before speaking: the actor is re-entered while espeak-ng runs, and must not say it twice.
            standing[key]?.lastSpoken = clock()
            failures += await say(alert.text, event: alert.lastSpoken == nil ? "alert" : "alert-repeat")
        }
        return failures
    }

    /// Active and not yet acknowledged: acknowledging (`dhoctl alerts ack`) ends the repetition.
    private func stillStanding(_ alertID: String) async -> Bool {
        (try? await database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT status = 'active' AND acknowledged_at IS NULL FROM triage_alerts WHERE id = ?
                """, arguments: [alertID])
        }) ?? false
    }

    private func say(_ text: String, event: String) async -> [String] {
        guard let speech = settings.speech else { return [] }
        utterances += 1
        let name = String(format: "%013.0f-%04d", clock().timeIntervalSince1970 * 1000, utterances % 10_000) + "-" + event
        switch await SpeechCue(speech: speech).speak(text, name: name) {
        case .delivered:
            // The text itself stays out of the log: it is the patient's health information.
            logger.info("patient cue spoken", metadata: [
                "cue": "\(event)", "voice": "\(speech.voice)", "volume": "\(speech.volume)",
                "output": "\(speech.wavDirectory == nil ? "audio-device" : "wav-directory")"])
            return []
        case let .failed(reason):
            logger.error("patient cue could not be spoken", metadata: ["cue": "\(event)", "reason": "\(reason)"])
            return ["speech: \(reason)"]
        case .timedOut:
            logger.error("patient cue speech timed out and was killed", metadata: ["cue": "\(event)"])
            return ["speech: espeak-ng did not finish within \(speech.timeout)"]
        }
    }
}
