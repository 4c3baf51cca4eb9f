import ConfigYAML
import Forwarding
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Gateway

@Suite struct GatewayConfigurationTests {
    static let minimal = """
        gateway:
          id: hub-1
        patient:
          reference: Patient/42
          care-plan:
            template: copd
            installed-by: tech-7
        forwarding:
          endpoint: https://fhir.example.no/fhir
        """

    @Test func theShippedExampleIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/gateway.yaml.example")
        // Parsed from its text: the file as checked out is 0644, which `load` refuses for a real configuration.
        let configuration = try GatewayConfiguration.parse(
            yaml: try String(contentsOf: url, encoding: .utf8), source: url.path, environment: [:])
        #expect(configuration.identity.gatewayID == "hub-000123")
        #expect(configuration.bluetooth.sessionTimeout == .seconds(120))
        #expect(configuration.forwarding.maximumBackoff == .seconds(3600))
    }

    @Test func plausibilityRangesAreValidatedWithinTheHardLimits() throws {
        func parse(_ section: String) throws(ConfigError) -> GatewayConfiguration {
            try GatewayConfiguration.parse(yaml: Self.minimal + "\nplausibility:\n" + section, source: "gateway.yaml", environment: [:])
        }
        let narrowed = try parse("  temperature: {unit: Cel, min: 32, max: 43}\n")
        #expect(narrowed.plausibility.ranges[.bodyTemperature] == 32...43)
        #expect(narrowed.plausibility.ranges[.oxygenSaturation] == 50...100)
        for (section, message) in [
            ("  temperature: {unit: Cel, min: 30, max: 60}\n", "temperature: must lie within 10–50"),
            ("  temperature: {unit: Cel, min: 30, max: 3.7e129}\n", "temperature.max: must be a decimal number"),
            ("  temperature: {unit: \"[degF]\", min: 90, max: 110}\n", "temperature.unit: must be Cel"),
            ("  spo2: {unit: \"%\", min: 90, max: 80}\n", "spo2: min (90) must be lower than max (80)"),
            ("  impedance: {unit: Ohm, min: 1, max: 2}\n", "impedance: unknown key"),
        ] {
            do {
                _ = try parse(section)
                Issue.record("accepted: \(section)")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
                #expect(error.line != nil, "\(error.description)")
            }
        }
    }

    @Test func aFileOtherUsersCanReadOrWriteIsRefusedAfterItsContent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.yaml").path
        try Self.minimal.write(toFile: path, atomically: true, encoding: .utf8)
        for (mode, message) in [
            (0o644, "is readable by other users (mode 644) and names the patient; chmod 0640 or stricter"),
            (0o662, "is writable by other users (mode 662): anyone could send the readings elsewhere; chmod 0640 or stricter"),
        ] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect(throws: ConfigError(source: path, line: nil, keyPath: "", message: message)) {
                try GatewayConfiguration.load(path: path, environment: [:])
            }
        }
        for mode in [0o640, 0o600, 0o400] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect(try GatewayConfiguration.load(path: path, environment: [:]).identity.gatewayID == "hub-1")
        }
        // A mistake in the content is reported first, whatever the mode.
        try "gateway: {id: hub 1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect { try GatewayConfiguration.load(path: path, environment: [:]) } throws: { error in
            "\(error)".contains("gateway.id: must be letters")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anchorsAndAliasesAreRefusedBeforeTheyCanExpand() throws {
        #expect(throws: ConfigError(source: "gateway.yaml", line: 1, keyPath: "", message: YAMLAnchors.refusal)) {
            try GatewayConfiguration.parse(yaml: aliasBomb(), source: "gateway.yaml", environment: [:])
        }
        let alias = Self.minimal.replacingOccurrences(of: "installed-by: tech-7", with: "installed-by: &who tech-7\n    other: *who")
        #expect(throws: ConfigError(source: "gateway.yaml", line: 7, keyPath: "", message: YAMLAnchors.refusal)) {
            try GatewayConfiguration.parse(yaml: alias, source: "gateway.yaml", environment: [:])
        }
        // Anchor-like text inside values is just text.
        let text = Self.minimal.replacingOccurrences(of: "installed-by: tech-7", with: "installed-by: \"tech &7 *x\"")
        #expect(try GatewayConfiguration.parse(yaml: text, source: "gateway.yaml", environment: [:]).patient.installedBy == "tech &7 *x")
    }

    @Test func defaultsFollowSystemdDirectories() throws {
        let configuration = try GatewayConfiguration.parse(
            yaml: Self.minimal, source: "gateway.yaml",
            environment: ["STATE_DIRECTORY": "/var/lib/x", "RUNTIME_DIRECTORY": "/run/x"])
        #expect(configuration.paths.databaseFile == "/var/lib/x/gateway.sqlite")
        #expect(configuration.paths.controlSocket == "/run/x/control.sock")
        #expect(configuration.identity.timeZone == "Europe/Oslo")
        #expect(configuration.forwarding.batchSize == 50)
        #expect(configuration.technicianGroup == "dho-tech")
    }

    @Test func theRedactedSummaryHoldsNoPatientOrSecret() throws {
        let yaml = Self.minimal.replacingOccurrences(
            of: "https://fhir.example.no/fhir", with: "https://user:secret@fhir.example.no/fhir/Patient/42")
        let configuration = try GatewayConfiguration.parse(yaml: yaml, source: "g.yaml", environment: [:])
        #expect(!configuration.redactedSummary.contains("42"))
        #expect(!configuration.redactedSummary.contains("secret"))
        #expect(configuration.redactedSummary.contains("https://fhir.example.no"))
    }

    @Test(arguments: [
        ("gateway:\n  id: hub-1\n  colour: red\n", "gateway.colour: unknown key"),
        ("patient: {}\n", "missing required key \"gateway\""),
        (minimal.replacingOccurrences(of: "https://fhir", with: "http://fhir"), "plain http is only allowed to this machine"),
        (minimal.replacingOccurrences(of: "https://fhir", with: "ftp://fhir"), "scheme must be https"),
        (minimal + "\nbluetooth:\n  adapter: wlan0\n", "bluetooth.adapter: must name an adapter"),
        (minimal + "\nbluetooth:\n  session-timeout: soon\n", "bluetooth.session-timeout: must be a duration"),
        (minimal + "\nbluetooth:\n  connect-attempts: 0\n", "must be between 1 and 20"),
        (minimal + "\nforwarding2: 1\n", "forwarding2: unknown key"),
        (minimal.replacingOccurrences(of: "Patient/42", with: "42"), "patient.reference: must be a FHIR reference"),
        (minimal + "\nlogging:\n  level: loud\n", "logging.level: must be one of"),
        ("gateway: [\n", "is not valid YAML"),
        (minimal + "\nstorage:\n  max-database-size: lots\n", "gateway.yaml:11: storage.max-database-size: must be a size"),
        (minimal + "\nstorage:\n  max-database-size: 10KB\n", "storage.max-database-size: must be between 64KB and 1024GB"),
        (minimal + "\nstorage:\n  quota: 1GB\n", "storage.quota: unknown key"),
        (minimal + "\nalerts:\n  forwarding-failing-after: 0s\n", "alerts.forwarding-failing-after: must be between 1s and 30d"),
        (minimal + "\nbluetooth:\n  revisit-interval: 2h\n", "bluetooth.revisit-interval: must be between 1s and 1h"),
        (minimal.replacingOccurrences(of: "installed-by: tech-7", with: "installed-by: tech-7\n    source: remote"),
         "patient.care-plan.source: must be local or centre"),
        (minimal + authentication(""), "forwarding.authentication: missing required key \"client-id\""),
        (minimal + authentication("    client-id: hub-1\n    key-file: /k.pem\n    algorithm: HS256\n"),
         "forwarding.authentication.algorithm: must be one of RS256, PS256, ES256"),
        (minimal + authentication("    client-id: hub 1\n    key-file: /k.pem\n"), "forwarding.authentication.client-id: must be printable"),
        (minimal + authentication("    client-id: hub-1\n    key-file: k.pem\n"), "forwarding.authentication.key-file: must be an absolute path"),
        (minimal + authentication("    client-id: hub-1\n    key-file: /k.pem\n    scopes: [\"a b\"]\n"), "is not a valid OAuth scope"),
        (minimal + authentication("    client-id: hub-1\n    key-file: /k.pem\n    dpop: maybe\n"), "forwarding.authentication.dpop"),
        (minimal + authentication("    client-id: hub-1\n    key-file: /k.pem\n", tokenEndpoint: "http://sts.example.no/token"),
         "forwarding.authentication.token-endpoint: plain http is only allowed to this machine"),
        (minimal + "\n  bearer-token-file: /t\n" + authentication("    client-id: hub-1\n    key-file: /k.pem\n"),
         "give either bearer-token-file or authentication, not both"),
    ])
    func mistakesAreNamedPrecisely(yaml: String, expected: String) {
        do {
            _ = try GatewayConfiguration.parse(yaml: yaml, source: "gateway.yaml", environment: [:])
            Issue.record("accepted invalid configuration")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.hasPrefix("gateway.yaml"))
        }
    }

    /// Lines of `forwarding: authentication:` after the token endpoint (the minimal file ends in `forwarding:`).
    static func authentication(_ lines: String, tokenEndpoint: String = "https://sts.example.no/connect/token") -> String {
        "\n  authentication:\n    token-endpoint: \(tokenEndpoint)\n" + lines
    }

    @Test func theCentresTokenServiceIsConfiguredWithDPoPByDefault() throws {
        let yaml = Self.minimal + Self.authentication("    client-id: hub-1\n    key-file: /etc/dho-gateway/client.jwk\n    scopes: [dho:readings, dho:plans]\n")
        let authentication = try #require(try GatewayConfiguration.parse(yaml: yaml, source: "g", environment: [:]).forwarding.authentication)
        #expect(authentication.dpop && authentication.scopes == ["dho:readings", "dho:plans"] && authentication.algorithm == nil)
        #expect(authentication.clientID == "hub-1" && authentication.keyFile == "/etc/dho-gateway/client.jwk")
    }

    @Test func aClientKeyOthersCanReadOrThatIsNoKeyStopsTheStartWithTheReason() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dho-key-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("client.pem").path
        func startError(_ text: String, mode: Int) -> String {
            _ = FileManager.default.createFile(atPath: keyFile, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
            _ = chmod(keyFile, mode_t(mode))
            let settings = GatewayConfiguration.Authentication(
                tokenEndpoint: "https://sts.example.no/connect/token", clientID: "hub-1", keyFile: keyFile, keyID: nil,
                algorithm: nil, audience: nil, scopes: [], dpop: true, caFile: nil)
            do {
                _ = try CentreConnection.settings(settings, requestTimeout: .seconds(5))
                return "accepted"
            } catch { return error.description }
        }
        #expect(startError("not a key", mode: 0o644).contains("readable by other users"))
        #expect(startError("not a key", mode: 0o600).contains("neither a PEM private key nor a JWK"))
    }

    @Test func storageQuotaAlertThresholdAndRevisitInterval() throws {
        let defaults = try GatewayConfiguration.parse(yaml: Self.minimal, source: "g", environment: [:])
        #expect(defaults.storage.maximumDatabaseSize == nil)
        #expect(defaults.alerts.forwardingFailingAfter == .seconds(3600))
        #expect(defaults.bluetooth.revisitInterval == .seconds(15))
        for (text, bytes) in [("200MB", Int64(200) << 20), ("512 KiB", 512 << 10), ("2GB", 2 << 30), ("1.5MB", 1_572_864), ("65536", 65536)] {
            let yaml = Self.minimal + "\nstorage:\n  max-database-size: \(text)\n"
            #expect(try GatewayConfiguration.parse(yaml: yaml, source: "g", environment: [:]).storage.maximumDatabaseSize == bytes, "\(text)")
        }
        let tuned = try GatewayConfiguration.parse(
            yaml: Self.minimal + "\nalerts:\n  forwarding-failing-after: 6h\nbluetooth:\n  revisit-interval: 2s\n", source: "g", environment: [:])
        #expect(tuned.alerts.forwardingFailingAfter == .seconds(21_600))
        #expect(tuned.bluetooth.revisitInterval == .seconds(2))
    }

    @Test func plainHTTPToLoopbackIsAllowed() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "https://fhir.example.no/fhir", with: "http://127.0.0.1:8080/fhir")
        #expect(try GatewayConfiguration.parse(yaml: yaml, source: "g", environment: [:]).forwarding.endpoint.hasPrefix("http://127"))
    }

    @Test func theCanonicalBaseOfTheProjectsFHIRDefinitionsIsAnHTTPURL() throws {
        func parse(_ line: String) throws(ConfigError) -> GatewayConfiguration {
            try GatewayConfiguration.parse(yaml: Self.minimal + "\n  " + line + "\n", source: "gateway.yaml", environment: [:])
        }
        #expect(try GatewayConfiguration.parse(yaml: Self.minimal, source: "g", environment: [:]).forwarding.canonical
            == ProjectCanonical.default)
        let set = try parse("canonical-base: https://fhir.centre.example/dho/")
        #expect(set.forwarding.canonical.structureDefinition("triage-zone")
            == "https://fhir.centre.example/dho/StructureDefinition/triage-zone")
        for bad in ["urn:dho-gateway:fhir", "https://", "ftp://fhir.example/x", "https://a b/c"] {
            #expect {
                _ = try parse("canonical-base: \"\(bad)\"")
            } throws: { error in
                "\(error)".contains("forwarding.canonical-base: must be an http(s) URL")
            }
        }
    }

    @Test func unreadableFileIsAClearError() {
        #expect(throws: ConfigError.self) { try GatewayConfiguration.load(path: "/nonexistent/gateway.yaml", environment: [:]) }
        do { _ = try GatewayConfiguration.load(path: "/nonexistent/gateway.yaml", environment: [:]) } catch {
            #expect(error.description == "/nonexistent/gateway.yaml: cannot be read: No such file or directory")
        }
    }
}

/// "Billion laughs": a few hundred bytes of nested aliases, used as a mapping key. Yams expands aliases and hashes
/// keys whole, so before aliases were refused up front this ran for minutes (found fuzzing the YAML parsers).
func aliasBomb() -> String {
    var lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for (previous, name) in zip("abcdefghi", "bcdefghij") {
        lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
    }
    return (lines + ["? *j", ": 1"]).joined(separator: "\n") + "\n"
}
