import BlueZSimulator
import ConfigYAML
import Gateway
import Triage

/// The YAML documents the gateway reads: its configuration, care plans (template + overrides) and, for the
/// simulator, scenarios. Every input must give a value or a typed error; what is accepted must survive the
/// round trips the gateway relies on.
enum ConfigurationTargets {
    static func gatewayConfiguration(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        checkTreeRoundTrip(text)
        do {
            let configuration = try GatewayConfiguration.parse(yaml: text, source: "gateway.yaml", environment: [:])
            // Logged at start-up: never user information or a path of the endpoint URL.
            let host = configuration.forwarding.endpointHostForLogs
            if host.contains("@") { violated("endpoint for logs keeps user information: \(host)") }
            _ = configuration.redactedSummary
        } catch {
            _ = error.description
        }
    }

    /// Input: a template, optionally followed by a NUL byte and per-patient overrides to merge over it.
    static func carePlan(_ input: [UInt8]) {
        let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let template = String(decoding: parts.first ?? [], as: UTF8.self)
        let overrides = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : nil
        let document: CarePlanDocument
        do { document = try CarePlanDocument.parse(yaml: template, source: "template.yaml") } catch {
            _ = error.description
            return
        }
        checkStoredVersion(document)
        _ = document.changes(from: nil)
        guard let overrides else { return }
        do {
            let merged = try document.merging(overridesYAML: overrides, source: "overrides.yaml")
            checkStoredVersion(merged)
            _ = merged.changes(from: document)
        } catch {
            _ = error.description
        }
    }

    static func scenario(_ input: [UInt8]) {
        do {
            let scenario = try Scenario.parse(yaml: String(decoding: input, as: UTF8.self))
            // Building the simulated world (GATT layouts, handles) must not trap either; nothing connects yet.
            _ = Simulator(scenario: scenario, bus: .address("unix:path=/nonexistent"))
        } catch {
            _ = error.description
        }
    }

    /// Each plan version is stored as YAML text and read back on every start: the text must give the same plan.
    private static func checkStoredVersion(_ document: CarePlanDocument) {
        let text: String
        do { text = try document.yamlText() } catch { violated("valid care plan cannot be written: \(error)") }
        let again: CarePlanDocument
        do { again = try CarePlanDocument.parse(yaml: text, source: "stored.yaml") } catch {
            violated("stored care plan does not parse again: \(error)\n\(text)")
        }
        guard again.plan == document.plan else { violated("stored care plan parses to another plan:\n\(text)") }
        guard (try? again.yamlText()) == text else { violated("stored care plan text is not stable:\n\(text)") }
    }

    /// ConfigYAML writes trees back (stored plan versions): what it writes must parse to the same tree.
    private static func checkTreeRoundTrip(_ text: String) {
        guard let tree = try? ConfigNode.parse(yaml: text, source: "fuzz.yaml") else { return }
        let written: String
        do { written = try tree.yamlText() } catch { return }  // e.g. a key Yams cannot emit: a typed error
        guard let again = try? ConfigNode.parse(yaml: written, source: "fuzz.yaml") else {
            violated("written YAML does not parse again:\n\(written)")
        }
        guard shape(again) == shape(tree) else { violated("written YAML parses to another tree:\n\(written)") }
    }

    /// The tree without line numbers and quoting style (which writing may change; only null-ness matters).
    private static func shape(_ node: ConfigNode) -> String {
        switch node.content {
        case let .scalar(text, isNull, _): return isNull ? "~" : String(reflecting: text)
        case let .sequence(elements): return "[" + elements.map(shape).joined(separator: ",") + "]"
        case let .mapping(entries):
            return "{" + entries.map { String(reflecting: $0.key) + ":" + shape($0.value) }.joined(separator: ",") + "}"
        }
    }
}
