public import ConfigYAML
import Forwarding
import Foundation

extension GatewayConfiguration {
    /// Reads and validates the configuration file. `environment` supplies systemd's directories
    /// (STATE_DIRECTORY, RUNTIME_DIRECTORY) as defaults for the paths.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> GatewayConfiguration {
        let text = try readConfigurationFile(path)
        let configuration = try parse(yaml: text, source: path, environment: environment)
        try checkFileMode(path)
        return configuration
    }

    /// The file names the patient and says where their data goes: other users may neither read it (the patient
    /// reference identifies a person) nor write it (they could send the readings elsewhere). Checked after the
    /// content, so that a mistake in the file is reported first.
    static func checkFileMode(_ path: String) throws(ConfigError) {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int else { return }
        let octal = String(mode, radix: 8)
        if mode & 0o002 != 0 {
            throw ConfigError(source: path, line: nil, keyPath: "",
                              message: "is writable by other users (mode \(octal)): anyone could send the readings elsewhere; chmod 0640 or stricter")
        }
        if mode & 0o004 != 0 {
            throw ConfigError(source: path, line: nil, keyPath: "",
                              message: "is readable by other users (mode \(octal)) and names the patient; chmod 0640 or stricter")
        }
    }

    public static func parse(yaml: String, source: String, environment: [String: String]) throws(ConfigError) -> GatewayConfiguration {
        let root = try MappingView(try ConfigNode.parse(yaml: yaml, source: source), path: "")
        try root.allowOnly([
            "gateway", "patient", "paths", "bluetooth", "forwarding", "alerts", "storage", "retention", "control", "logging",
            "plausibility", "cues", "centre",
        ])

        let gateway = try root.requiredMapping("gateway")
        try gateway.allowOnly(["id", "time-zone"])
        let gatewayID = try gateway.requiredString("id")
        guard !gatewayID.isEmpty, gatewayID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw gateway.error(at: "id", "must be letters, digits, '-', '_' or '.' (it becomes a FHIR identifier)")
        }
        let timeZone = try gateway.optionalString("time-zone") ?? "Europe/Oslo"
        guard TimeZone(identifier: timeZone) != nil else {
            throw gateway.error(at: "time-zone", "unknown time zone \"\(timeZone)\" (use an IANA name such as Europe/Oslo)")
        }

        let paths = try root.optionalMapping("paths")
        try paths?.allowOnly(["state-directory", "control-socket", "profiles"])
        let stateDirectory = try paths?.optionalAbsolutePath("state-directory")
            ?? environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "/var/lib/dho-gateway"
        let runtimeDirectory = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init) ?? "/run/dho-gateway"
        let controlSocket = try paths?.optionalAbsolutePath("control-socket") ?? runtimeDirectory + "/control.sock"
        let profiles = try paths?.optionalAbsolutePath("profiles") ?? "/usr/share/dho-gateway/profiles"

        let patient = try root.requiredMapping("patient")
        try patient.allowOnly(["reference", "care-plan"])
        let reference = try patient.requiredString("reference")
        guard reference.contains("/") || reference.contains("?"), !reference.contains(" ") else {
            throw patient.error(at: "reference", "must be a FHIR reference such as Patient/123 or Patient?identifier=system|value")
        }
        let carePlan = try patient.requiredMapping("care-plan")
        try carePlan.allowOnly(["template", "overrides", "installed-by", "source", "poll-interval"])
        let planSourceText = try carePlan.optionalString("source") ?? "local"
        guard let planSource = PlanSource(rawValue: planSourceText) else {
            throw carePlan.error(at: "source", "must be local or centre (got \(planSourceText))")
        }
        let planPollInterval = try carePlan.optionalDuration("poll-interval", in: 1...86_400) ?? .seconds(900)
        let template = try carePlan.requiredString("template")
        let overrides = try carePlan.optionalAbsolutePath("overrides")
        let installedBy = try carePlan.requiredString("installed-by")

        let bluetooth = try root.optionalMapping("bluetooth")
        try bluetooth?.allowOnly([
            "adapter", "bus-address", "session-timeout", "connect-attempts", "maximum-backoff", "revisit-interval",
        ])
        let adapter = try bluetooth?.optionalString("adapter") ?? "hci0"
        guard adapter.hasPrefix("hci"), Int(adapter.dropFirst(3)) != nil else {
            throw (bluetooth ?? root).error(at: "adapter", "must name an adapter such as hci0 (got \"\(adapter)\")")
        }

        let forwarding = try root.requiredMapping("forwarding")
        try forwarding.allowOnly([
            "endpoint", "ca-file", "client-certificate", "client-key", "bearer-token-file", "batch-size",
            "request-timeout", "initial-backoff", "maximum-backoff", "urgent-retry-interval", "parked-retry-interval",
            "canonical-base",
            "authentication",
        ])
        let endpoint = try forwarding.requiredString("endpoint")
        try Self.checkEndpoint(endpoint, in: forwarding)
        let clientCertificate = try forwarding.optionalAbsolutePath("client-certificate")
        let clientKey = try forwarding.optionalAbsolutePath("client-key")
        if (clientCertificate == nil) != (clientKey == nil) {
            throw forwarding.error("client-certificate and client-key must be given together")
        }

        let alerts = try root.optionalMapping("alerts")
        try alerts?.allowOnly(["hook", "hook-timeout", "schedule-check-interval", "forwarding-failing-after"])
        let storage = try root.optionalMapping("storage")
        try storage?.allowOnly(["max-database-size"])
        let retention = try root.optionalMapping("retention")
        try retention?.allowOnly(["delivered-days"])
        let control = try root.optionalMapping("control")
        try control?.allowOnly(["technician-group"])
        let logging = try root.optionalMapping("logging")
        try logging?.allowOnly(["level"])
        let level = try logging?.optionalString("level") ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw (logging ?? root).error(at: "level", "must be one of trace, debug, info, notice, warning, error, critical")
        }

        var configuration = GatewayConfiguration(
            identity: Identity(gatewayID: gatewayID, timeZone: timeZone),
            paths: Paths(stateDirectory: stateDirectory, controlSocket: controlSocket, profilesDirectory: profiles),
            patient: Patient(
                reference: reference, carePlanTemplate: template, carePlanOverrides: overrides, installedBy: installedBy,
                planSource: planSource, planPollInterval: planPollInterval),
            bluetooth: Bluetooth(
                adapter: adapter,
                busAddress: try bluetooth?.optionalString("bus-address"),
                sessionTimeout: try bluetooth?.optionalDuration("session-timeout", in: 5...3600) ?? .seconds(120),
                connectAttempts: try bluetooth?.optionalInt("connect-attempts", in: 1...20) ?? 4,
                maximumBackoff: try bluetooth?.optionalDuration("maximum-backoff", in: 1...86_400) ?? .seconds(300),
                revisitInterval: try bluetooth?.optionalDuration("revisit-interval", in: 1...3600) ?? .seconds(15)),
            forwarding: Forwarding(
                endpoint: endpoint,
                caFile: try forwarding.optionalAbsolutePath("ca-file"),
                clientCertificate: clientCertificate,
                clientKey: clientKey,
                bearerTokenFile: try forwarding.optionalAbsolutePath("bearer-token-file"),
                batchSize: try forwarding.optionalInt("batch-size", in: 1...1000) ?? 50,
                requestTimeout: try forwarding.optionalDuration("request-timeout", in: 1...600) ?? .seconds(30),
                initialBackoff: try forwarding.optionalDuration("initial-backoff", in: 0.01...3600) ?? .seconds(5),
                maximumBackoff: try forwarding.optionalDuration("maximum-backoff", in: 0.01...86_400) ?? .seconds(3600),
                urgentRetryInterval: try forwarding.optionalDuration("urgent-retry-interval", in: 1...3600) ?? .seconds(30),
                parkedRetryInterval: try forwarding.optionalDuration("parked-retry-interval", in: 1...2_592_000)
                    ?? .seconds(6 * 3600),
                canonical: try Self.canonical(try forwarding.optionalString("canonical-base"), in: forwarding),
                authentication: try parseAuthentication(try forwarding.optionalMapping("authentication"), in: forwarding)),
            alerts: Alerts(
                hookCommand: try alerts?.optionalAbsolutePath("hook"),
                hookTimeout: try alerts?.optionalDuration("hook-timeout", in: 0.1...600) ?? .seconds(10),
                scheduleCheckInterval: try alerts?.optionalDuration("schedule-check-interval", in: 1...86_400) ?? .seconds(300),
                forwardingFailingAfter: try alerts?.optionalDuration("forwarding-failing-after", in: 1...2_592_000) ?? .seconds(3600),
                cues: try parseCues(try root.optionalMapping("cues"), timeZone: timeZone)),
            storage: Storage(
                maximumDatabaseSize: try storage?.optionalByteSize("max-database-size", in: (64 << 10)...(1 << 40))),
            retentionDays: try retention?.optionalInt("delivered-days", in: 1...3650) ?? 90,
            plausibility: try parsePlausibility(try root.optionalMapping("plausibility")),
            technicianGroup: try control?.optionalString("technician-group") ?? "dho-tech",
            logLevel: level)
        configuration.centre = try parseCentre(try root.optionalMapping("centre"))
        return configuration
    }

    /// `forwarding: authentication:`; exclusive with a static bearer token (one way to authorize, not two).
    static func parseAuthentication(_ view: MappingView?, in forwarding: MappingView) throws(ConfigError) -> Authentication? {
        guard let view else { return nil }
        try view.allowOnly(["token-endpoint", "client-id", "key-file", "key-id", "algorithm", "audience", "scopes", "dpop", "ca-file"])
        if try forwarding.optionalString("bearer-token-file") != nil {
            throw forwarding.error(at: "bearer-token-file", "give either bearer-token-file or authentication, not both")
        }
        let tokenEndpoint = try view.requiredString("token-endpoint")
        try checkEndpoint(tokenEndpoint, in: view, key: "token-endpoint")
        let clientID = try view.requiredString("client-id")
        guard !clientID.isEmpty, clientID.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw view.error(at: "client-id", "must be printable ASCII without spaces")
        }
        let algorithm = try view.optionalString("algorithm")
        if let algorithm, JWSAlgorithm(rawValue: algorithm) == nil {
            throw view.error(at: "algorithm", "must be one of RS256, PS256, ES256 (got \(algorithm))")
        }
        let scopes = try view.optionalStringList("scopes") ?? []
        for scope in scopes where scope.isEmpty || scope.contains(" ") || scope.contains("\"") {
            throw view.error(at: "scopes", "\"\(scope)\" is not a valid OAuth scope (no spaces or quotes)")
        }
        let audience = try view.optionalString("audience")
        if let audience, URL(string: audience)?.scheme == nil {
            throw view.error(at: "audience", "must be a URL (the token service's issuer or token endpoint)")
        }
        return Authentication(
            tokenEndpoint: tokenEndpoint, clientID: clientID, keyFile: try view.requiredAbsolutePath("key-file"),
            keyID: try view.optionalString("key-id"), algorithm: algorithm, audience: audience, scopes: scopes,
            dpop: try view.optionalBool("dpop") ?? true, caFile: try view.optionalAbsolutePath("ca-file"))
    }

    /// https only, except plain http to this machine (the loopback test receiver, a local relay).
    /// `forwarding.canonical-base`: where the project's FHIR extensions and code systems are published.
    static func canonical(_ base: String?, in view: MappingView) throws(ConfigError) -> ProjectCanonical {
        guard let base else { return .default }
        do { return try ProjectCanonical(base: base) } catch {
            throw view.error(at: "canonical-base", "must be an http(s) URL such as \(ProjectCanonical.defaultBase)")
        }
    }

    static func checkEndpoint(_ endpoint: String, in view: MappingView, key: String = "endpoint") throws(ConfigError) {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw view.error(at: key, "must be an absolute URL such as https://fhir.example.no/fhir")
        }
        switch scheme {
        case "https": return
        case "http":
            let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
            if loopback { return }
            throw view.error(at: key, "plain http is only allowed to this machine (loopback); use https for \(host)")
        default:
            throw view.error(at: key, "scheme must be https (got \(scheme))")
        }
    }
}
