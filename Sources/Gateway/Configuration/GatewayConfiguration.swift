public import Forwarding
public import Triage

/// Everything the daemon is told by /etc/dho-gateway/gateway.yaml, validated.
///
/// The patient reference and the bearer token are in here: this type is never logged as a whole
/// (see `redactedSummary`).
public struct GatewayConfiguration: Sendable, Equatable {
    public struct Identity: Sendable, Equatable {
        /// The hub's serial / inventory number; appears as the gateway Device in FHIR.
        public var gatewayID: String
        /// IANA zone of the home, used for device clocks without zone, schedules and opening hours.
        public var timeZone: String
    }

    public struct Paths: Sendable, Equatable {
        public var stateDirectory: String
        public var controlSocket: String
        public var profilesDirectory: String
        public var databaseFile: String { stateDirectory + "/gateway.sqlite" }
    }

    public struct Patient: Sendable, Equatable {
        /// FHIR reference to the patient, e.g. "Patient/123" or a conditional reference. Never logged.
        public var reference: String
        /// A care-plan template name under profiles/care (copd, heart-failure, ...) or an absolute path.
        public var carePlanTemplate: String
        public var carePlanOverrides: String?
        /// Who installed the plan (technician id), recorded in the threshold audit trail.
        public var installedBy: String
        /// Where changes to the plan come from: `local` (dhoctl thresholds) or `centre` (fetched from the centre's
        /// FHIR server; local proposals are refused).
        public var planSource: PlanSource = .local
        /// How often the centre is asked for a new plan (with `centre`); also at start-up.
        public var planPollInterval: Duration = .seconds(900)
    }

    public enum PlanSource: String, Sendable, Equatable {
        case local, centre
    }

    public struct Bluetooth: Sendable, Equatable {
        public var adapter: String
        /// Overrides DBUS_SYSTEM_BUS_ADDRESS / the system bus (simulator, tests).
        public var busAddress: String?
        /// How long one device session may take before it is abandoned (device will be retried later).
        public var sessionTimeout: Duration
        /// Connect attempts per advertisement before backing off.
        public var connectAttempts: Int
        /// Longest back-off between connection attempts to a failing device.
        public var maximumBackoff: Duration
        /// After a successful visit, a device's advertisements are ignored this long (devices advertise in
        /// bursts after a measurement).
        public var revisitInterval: Duration
    }

    public struct Forwarding: Sendable, Equatable {
        public var endpoint: String
        public var caFile: String?
        public var clientCertificate: String?
        public var clientKey: String?
        public var bearerTokenFile: String?
        public var batchSize: Int
        public var requestTimeout: Duration
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// Red readings and alert Flags are retried at least this often, whatever the back-off.
        public var urgentRetryInterval: Duration
        /// Parked items are sent again this long after they were parked (the centre may have been fixed).
        public var parkedRetryInterval: Duration
        /// Where the project's FHIR extensions and code systems are published (`canonical-base`).
        public var canonical: ProjectCanonical = .default
        /// OAuth 2.0 client credentials with private_key_jwt (and DPoP); nil: bearer token file, mTLS or nothing.
        public var authentication: Authentication? = nil
    }

    /// `forwarding: authentication:` — how the hub gets its access tokens (README "Authentication to the centre").
    public struct Authentication: Sendable, Equatable {
        public var tokenEndpoint: String
        public var clientID: String
        /// PEM or JWK private key; held to the token file's mode rule.
        public var keyFile: String
        public var keyID: String?
        /// RS256, PS256 or ES256; nil: from the key.
        public var algorithm: String?
        /// The assertion's aud; nil: the token endpoint.
        public var audience: String?
        public var scopes: [String]
        public var dpop: Bool
        /// Trust for the token service's certificate; nil: the system store.
        public var caFile: String?
    }

    public struct Alerts: Sendable, Equatable {
        public var hookCommand: String?
        public var hookTimeout: Duration
        /// How often the missing-measurement schedules (and the hub's own health) are checked.
        public var scheduleCheckInterval: Duration
        /// Undelivered readings older than this while forwarding keeps failing raise the `forwarding-failing`
        /// technical alert.
        public var forwardingFailingAfter: Duration
        /// Ready-made patient cues (speech, lights), fed by the same durable queue as the hook; nil for none.
        public var cues: PatientCueSettings? = nil
    }

    public struct Storage: Sendable, Equatable {
        /// Quota for the database (SQLite `max_page_count`); nil: only the file system limits it. When it is
        /// reached new readings are refused (`storage-full` alert) and the devices keep them.
        public var maximumDatabaseSize: Int64?
    }

    public var identity: Identity
    public var paths: Paths
    public var patient: Patient
    public var bluetooth: Bluetooth
    public var forwarding: Forwarding
    public var alerts: Alerts
    public var storage: Storage
    /// Delivered readings older than this are deleted; undelivered ones never are.
    public var retentionDays: Int
    /// What a patient's values can be; anything outside is a device error (`PlausibilityRanges`).
    public var plausibility: PlausibilityRanges
    public var technicianGroup: String
    public var logLevel: String
    /// `centre:` — the hub's check-in and what it reports about itself.
    public var centre = Centre()

    /// What may be logged at start-up: no patient reference, no token, no key paths' contents.
    public var redactedSummary: String {
        "gateway \(identity.gatewayID), adapter \(bluetooth.adapter), endpoint \(forwarding.endpointHostForLogs), " +
            "state \(paths.stateDirectory), care plan \(patient.carePlanTemplate)"
    }
}

extension GatewayConfiguration.Forwarding {
    /// Scheme and host only: URLs may embed credentials or patient-specific paths.
    public var endpointHostForLogs: String {
        guard let schemeEnd = endpoint.range(of: "://") else { return "(invalid)" }
        let rest = endpoint[schemeEnd.upperBound...]
        let hostPart = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let host = hostPart.split(separator: "@").last.map(String.init) ?? hostPart
        return String(endpoint[..<schemeEnd.upperBound]) + host
    }
}
