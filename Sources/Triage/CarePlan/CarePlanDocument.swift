public import ConfigYAML
public import Foundation

/// A validated care plan together with the YAML tree it came from (kept for storage and change summaries).
public struct CarePlanDocument: Sendable {
    public let plan: CarePlan
    let tree: ConfigNode

    init(tree: ConfigNode) throws(CarePlanError) {
        self.tree = tree
        self.plan = try CarePlanParser.parse(tree)
    }

    /// Parses and validates one complete plan document.
    public static func parse(yaml: String, source: String) throws(CarePlanError) -> CarePlanDocument {
        try CarePlanDocument(tree: try ConfigNode.parse(yaml: yaml, source: source))
    }

    /// A template with optional per-patient overrides merged over it (rules in README, "Care plans").
    /// The merged plan is validated as a whole; each error names the file that supplied the bad value.
    public static func load(template: URL, overrides: URL? = nil) throws(CarePlanError) -> CarePlanDocument {
        var tree = try ConfigNode.parse(yaml: try read(template), source: template.lastPathComponent)
        if let overrides {
            let overrideTree = try ConfigNode.parse(yaml: try read(overrides), source: overrides.lastPathComponent)
            guard overrideTree.entries != nil else {
                throw CarePlanError(source: overrides.lastPathComponent, line: overrideTree.line, keyPath: "",
                                    message: "must be a mapping of keys to override")
            }
            tree = tree.merged(with: overrideTree)
        }
        return try CarePlanDocument(tree: tree)
    }

    /// This document with `overridesYAML` merged over it, validated as a whole.
    public func merging(overridesYAML: String, source: String) throws(CarePlanError) -> CarePlanDocument {
        let overrideTree = try ConfigNode.parse(yaml: overridesYAML, source: source)
        guard overrideTree.entries != nil else {
            throw CarePlanError(source: source, line: overrideTree.line, keyPath: "",
                                message: "must be a mapping of keys to override")
        }
        return try CarePlanDocument(tree: tree.merged(with: overrideTree))
    }

    /// The complete plan as YAML, as stored in each plan version.
    public func yamlText() throws(CarePlanError) -> String { try tree.yamlText() }

    /// Human-readable list of what differs from `other`, one "key.path: old -> new" per line.
    public func changes(from other: CarePlanDocument?) -> [String] {
        let before = other?.tree.flattened() ?? [:]
        let after = tree.flattened()
        var lines: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            let old = before[key], new = after[key]
            if old == new { continue }
            lines.append("\(key): \(old ?? "(none)") -> \(new ?? "(removed)")")
        }
        return lines
    }

    private static func read(_ url: URL) throws(CarePlanError) -> String {
        try readConfigurationFile(url.path)
    }
}
