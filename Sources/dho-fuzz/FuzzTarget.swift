/// Everything dho-fuzz can fuzz, one libFuzzer run per target (scripts/fuzz splits its time budget over them).
/// Each target has its own seed corpus in Tests/Fuzz/corpus/<name>, so inputs stay in that target's format.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// Health-profile decoders and encoders, both assemblers, device-profile YAML (selector + payload).
    case codecs
    /// /etc/dho-gateway/gateway.yaml (GatewayConfiguration.parse).
    case gatewayConfig = "gateway-config"
    /// Care-plan templates and per-patient overrides (template, NUL, overrides).
    case carePlan = "care-plan"
    /// bluez-sim scenario files.
    case simScenario = "sim-scenario"
    /// One line on the control socket, read as the daemon reads it (and as dhoctl reads the daemon's answers).
    case controlLine = "control-line"
    /// Forwarding's JSON parser (FHIR server responses, queued Bundle entries).
    case fhirJSON = "fhir-json"
    /// D-Bus messages as wire bytes, and D-Bus values marshalled and read back (DBus, BlueZ shapes).
    case dbusMessage = "dbus-message"

    func run(_ input: [UInt8]) {
        switch self {
        case .codecs: CodecTarget.run(input)
        case .gatewayConfig: ConfigurationTargets.gatewayConfiguration(input)
        case .carePlan: ConfigurationTargets.carePlan(input)
        case .simScenario: ConfigurationTargets.scenario(input)
        case .controlLine: ControlLineTarget.run(input)
        case .fhirJSON: FHIRJSONTarget.run(input)
        case .dbusMessage: DBusMessageTarget.run(input)
        }
    }

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A property violation is a bug in product code: trapping is how the fuzzer reports it.
func violated(_ what: String) -> Never {
    fatalError("fuzz property violated: \(what)")
}
