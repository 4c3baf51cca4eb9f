/// A signal match rule: sent to the bus with AddMatch so the bus routes matching signals to us, and
/// applied locally so each subscription only sees its own signals.
public struct MatchRule: Sendable, Hashable, CustomStringConvertible {
    /// A unique name, or a well-known name (then the connection tracks who owns it).
    public var sender: String?
    public var interface: String?
    public var member: String?
    public var path: ObjectPath?
    /// Matches `path` itself and every path below it.
    public var pathNamespace: ObjectPath?
    /// String arguments that must be equal, by argument index (0...63).
    public var arguments: [Int: String]

    public init(sender: String? = nil, interface: String? = nil, member: String? = nil, path: ObjectPath? = nil,
                pathNamespace: ObjectPath? = nil, arguments: [Int: String] = [:]) {
        self.sender = sender
        self.interface = interface
        self.member = member
        self.path = path
        self.pathNamespace = pathNamespace
        self.arguments = arguments
    }

    /// NameOwnerChanged for one name (or for all names when nil).
    public static func nameOwnerChanged(_ name: String? = nil) -> MatchRule {
        MatchRule(sender: BusDaemon.name, interface: BusDaemon.interface, member: "NameOwnerChanged",
                  path: BusDaemon.path, arguments: name.map { [0: $0] } ?? [:])
    }

    /// The rule text for AddMatch/RemoveMatch.
    public var description: String {
        var parts = ["type='signal'"]
        if let sender { parts.append("sender=" + MatchRule.quote(sender)) }
        if let interface { parts.append("interface=" + MatchRule.quote(interface)) }
        if let member { parts.append("member=" + MatchRule.quote(member)) }
        if let path { parts.append("path=" + MatchRule.quote(path.rawValue)) }
        if let pathNamespace { parts.append("path_namespace=" + MatchRule.quote(pathNamespace.rawValue)) }
        for (index, value) in arguments.sorted(by: { $0.key < $1.key }) {
            parts.append("arg\(index)=" + MatchRule.quote(value))
        }
        return parts.joined(separator: ",")
    }

    func validate() throws(DBusError) {
        if let sender { try DBusNames.validateBusName(sender) }
        if let interface { try DBusNames.validateInterface(interface) }
        if let member { try DBusNames.validateMember(member) }
        for (index, value) in arguments {
            guard (0...63).contains(index) else { throw .invalidValue("match argument index \(index) out of 0...63") }
            guard !value.utf8.contains(0) else { throw .invalidValue("match argument contains NUL") }
        }
    }

    /// True when the sender names a well-known name whose owner must be resolved for local matching.
    var senderIsWellKnown: Bool {
        guard let sender else { return false }
        return !sender.hasPrefix(":") && sender != BusDaemon.name
    }

    /// Local matching; `ownerOf` gives a tracked well-known name's current unique owner.
    func matches(_ signal: DBusSignal, ownerOf: (String) -> String?) -> Bool {
        if let sender {
            if senderIsWellKnown {
                guard let owner = ownerOf(sender), owner == signal.sender else { return false }
            } else if signal.sender != sender {
                return false
            }
        }
        if let interface, signal.interface != interface { return false }
        if let member, signal.member != member { return false }
        if let path, signal.path != path { return false }
        if let pathNamespace, !signal.path.isDescendant(of: pathNamespace) { return false }
        for (index, value) in arguments {
            guard signal.arguments.indices.contains(index), signal.arguments[index].stringValue == value,
                  case .string = signal.arguments[index]
            else { return false }
        }
        return true
    }

    /// Values in match rules are single-quoted; a quote inside is written as '\''.
    private static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" { quoted += "'\\''" } else { quoted.append(character) }
        }
        return quoted + "'"
    }
}
