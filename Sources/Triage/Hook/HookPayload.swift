/// The JSON object a hook command receives on stdin. It carries no patient identifier: the hook runs on the
/// patient's own hub and needs only what to show or say.
struct HookPayload: Codable, Sendable, Hashable {
    /// "alert-raised", "alert-cleared" or "control-measurement"; `readingReceived` for the patient cues only.
    var event: String
    var alertID: String?
    var alertKey: String?
    var kind: String?
    var vital: String?
    var zone: String?
    var previousZone: String?
    var afterHours: Bool
    /// The text to show or read to the patient (Norwegian in the shipped templates).
    var patientMessage: String
    var summary: String
    var measuredAt: String?
    var deviceLastSeen: String?
    var reasons: [String]?
    var planVersion: Int
    var at: String

    /// Queued for every stored reading when patient cues are on (receipt, lights); never given to the hook.
    static let readingReceived = "reading-received"
}
