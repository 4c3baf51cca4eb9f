// A YAML tree that remembers, for every value, which file and line it came from.
//
// Written by hand on top of Yams' composer because Codable decoding cannot do what our configuration files
// (care plans, device profiles, the gateway configuration, simulator scenarios) need:
// it neither rejects unknown keys nor tells which of two merged files (template, per-patient overrides)
// supplied a bad value. Yams still does all the YAML parsing (and rejects duplicate keys); this type only
// carries the parsed nodes with their origin, merges them and writes them back.
import Yams

/// One node of a configuration document with its origin, so validation errors can name file, line and key path.
public struct ConfigNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// `text` is the scalar exactly as written; `isNull` for `~`, `null` or an empty value.
        case scalar(text: String, isNull: Bool, quoted: Bool)
        case mapping([ConfigEntry])
        case sequence([ConfigNode])
    }

    public var content: Content
    /// The file (or other named source, e.g. "proposal") the value was read from.
    public var source: String
    public var line: Int?

    public init(content: Content, source: String, line: Int?) {
        self.content = content
        self.source = source
        self.line = line
    }

    /// The scalar text, or nil for mappings, sequences and null.
    public var scalarText: String? {
        if case let .scalar(text, isNull, _) = content, !isNull { return text }
        return nil
    }

    public var isNull: Bool {
        if case let .scalar(_, isNull, _) = content { return isNull }
        return false
    }

    public var entries: [ConfigEntry]? {
        if case let .mapping(entries) = content { return entries }
        return nil
    }

    public var elements: [ConfigNode]? {
        if case let .sequence(elements) = content { return elements }
        return nil
    }

    /// "file.yaml:12" or "file.yaml" when the line is unknown.
    public var location: String { line.map { "\(source):\($0)" } ?? source }
}

public struct ConfigEntry: Sendable, Hashable {
    public var key: String
    public var value: ConfigNode

    public init(key: String, value: ConfigNode) {
        self.key = key
        self.value = value
    }
}

extension ConfigNode {
    /// Parses `yaml` into a tree tagged with `source`. Anchors and aliases are refused (see `YAMLAnchors`).
    public static func parse(yaml: String, source: String) throws(ConfigError) -> ConfigNode {
        if let line = YAMLAnchors.firstUse(in: yaml) {
            throw ConfigError(source: source, line: line, keyPath: "", message: YAMLAnchors.refusal)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            let (line, problem) = syntaxProblem(error)
            throw ConfigError(source: source, line: line, keyPath: "", message: "is not valid YAML: \(problem)")
        }
        guard let root else {
            throw ConfigError(source: source, line: nil, keyPath: "", message: "is empty")
        }
        return try convert(root, source: source, path: "")
    }

    /// The line of a YAML syntax error and a one-line account of it ("found unexpected end of stream while
    /// scanning a quoted scalar (column 31)"), for the usual `file:line: message` form; Yams' own description
    /// spans several lines with an excerpt of the file, which a journal shows badly.
    static func syntaxProblem(_ error: any Error) -> (line: Int?, problem: String) {
        guard let error = error as? YamlError else { return (nil, "\(error)") }
        func describe(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> (Int?, String) {
            let during = context.map { " \($0.text) (line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return (mark.line, "\(problem)\(during.isEmpty ? "" : ":")\(during), at column \(mark.column)")
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return describe(context, problem, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return (context.mark.line, "duplicated key \(keys) in the mapping that starts here")
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in yaml.utf8.prefix(max(0, offset)).filter { $0 == 0x0A }.count + 1 }
            return (line, problem)
        default:
            return (nil, "\(error)")
        }
    }

    private static func convert(_ node: Node, source: String, path: String) throws(ConfigError) -> ConfigNode {
        let line = node.mark?.line
        switch node {
        case let .scalar(scalar):
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                || scalar.style == .literal || scalar.style == .folded
            return ConfigNode(
                content: .scalar(text: scalar.string, isNull: !quoted && node.null != nil, quoted: quoted),
                source: source, line: line)
        case let .mapping(mapping):
            var entries: [ConfigEntry] = []
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else {
                    throw ConfigError(
                        source: source, line: keyNode.mark?.line, keyPath: path, message: "keys must be plain text")
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                entries.append(ConfigEntry(key: key, value: try convert(valueNode, source: source, path: childPath)))
            }
            return ConfigNode(content: .mapping(entries), source: source, line: line)
        case let .sequence(sequence):
            var elements: [ConfigNode] = []
            for (index, element) in sequence.enumerated() {
                elements.append(try convert(element, source: source, path: "\(path)[\(index)]"))
            }
            return ConfigNode(content: .sequence(elements), source: source, line: line)
        case .alias:
            throw ConfigError(source: source, line: line, keyPath: path, message: "aliases are not supported")
        }
    }

    /// Merges `overrides` over `self` (see README "Care plan overrides"): mappings merge key by key,
    /// recursively; scalars and lists are replaced whole; an explicit `null` removes the key.
    public func merged(with overrides: ConfigNode) -> ConfigNode {
        guard var baseEntries = entries, let overrideEntries = overrides.entries else { return overrides }
        for entry in overrideEntries {
            let index = baseEntries.firstIndex { $0.key == entry.key }
            if entry.value.isNull {
                if let index { baseEntries.remove(at: index) }
            } else if let index {
                baseEntries[index].value = baseEntries[index].value.merged(with: entry.value)
            } else {
                baseEntries.append(entry)
            }
        }
        return ConfigNode(content: .mapping(baseEntries), source: source, line: line)
    }

    /// Every scalar (and list) by dotted key path, for change summaries in the audit trail.
    public func flattened(prefix: String = "") -> [String: String] {
        switch content {
        case let .scalar(text, isNull, _):
            return [prefix: isNull ? "null" : text]
        case let .sequence(elements):
            let texts = elements.map { element -> String in
                element.scalarText ?? element.flattened().sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
            return [prefix: "[" + texts.joined(separator: ", ") + "]"]
        case let .mapping(entries):
            var result: [String: String] = [:]
            for entry in entries {
                let path = prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)"
                result.merge(entry.value.flattened(prefix: path)) { _, new in new }
            }
            return result
        }
    }

    /// The tree as YAML text; used to store each plan version exactly as it is in force.
    public func yamlText() throws(ConfigError) -> String {
        do {
            return try Yams.serialize(node: yamsNode(), width: -1, allowUnicode: true)
        } catch {
            throw ConfigError(source: source, line: nil, keyPath: "", message: "cannot be written as YAML: \(error)")
        }
    }

    private func yamsNode() -> Node {
        switch content {
        case let .scalar(text, isNull, quoted):
            if isNull { return Node("null") }
            return .scalar(Node.Scalar(text, .implicit, quoted ? .doubleQuoted : .plain))
        case let .mapping(entries):
            return .mapping(Node.Mapping(entries.map { (Node($0.key), $0.value.yamsNode()) }))
        case let .sequence(elements):
            return .sequence(Node.Sequence(elements.map { $0.yamsNode() }, .implicit, .flow))
        }
    }
}
