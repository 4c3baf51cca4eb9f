/// A syntactically valid D-Bus object path such as `/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF`.
///
/// Validation happens here, before anything reaches libdbus: libdbus aborts the process on an invalid
/// path by default, and paths are often built from data that came from outside (device addresses).
public struct ObjectPath: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public static let root = ObjectPath(trusted: "/")

    /// Nil when `string` is not a valid object path.
    public init?(_ string: String) {
        guard ObjectPath.isValid(string) else { return nil }
        rawValue = string
    }

    /// Throws `DBusError.invalidValue` when `string` is not a valid object path.
    public init(validating string: String) throws(DBusError) {
        guard ObjectPath.isValid(string) else { throw .invalidValue("invalid object path '\(string)'") }
        rawValue = string
    }

    /// For literals in source code only; a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        precondition(ObjectPath.isValid(value), "invalid object path literal '\(value)'")
        rawValue = value
    }

    private init(trusted: String) { rawValue = trusted }

    public var description: String { rawValue }

    public static func < (lhs: ObjectPath, rhs: ObjectPath) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The path with one more element, e.g. `/org/bluez` + `hci0`. The element is sanitised: characters
    /// that paths may not contain become `_`, so any text yields a valid path.
    public func appending(_ element: String) -> ObjectPath {
        var cleaned = String(element.unicodeScalars.map { ObjectPath.isElementCharacter($0) ? Character($0) : "_" })
        if cleaned.isEmpty { cleaned = "_" }
        return ObjectPath(trusted: rawValue == "/" ? "/" + cleaned : rawValue + "/" + cleaned)
    }

    /// The enclosing path, nil for the root.
    public var parent: ObjectPath? {
        guard rawValue != "/", let slash = rawValue.lastIndex(of: "/") else { return nil }
        return slash == rawValue.startIndex ? .root : ObjectPath(trusted: String(rawValue[..<slash]))
    }

    /// The last element, empty for the root.
    public var lastElement: String {
        guard let slash = rawValue.lastIndex(of: "/") else { return rawValue }
        return String(rawValue[rawValue.index(after: slash)...])
    }

    /// True when `self` is `ancestor` or lies below it.
    public func isDescendant(of ancestor: ObjectPath, orSelf: Bool = true) -> Bool {
        if self == ancestor { return orSelf }
        if ancestor.rawValue == "/" { return true }
        return rawValue.hasPrefix(ancestor.rawValue + "/")
    }

    static func isElementCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_": true
        default: false
        }
    }

    static func isValid(_ string: String) -> Bool {
        guard string.first == "/" else { return false }
        if string == "/" { return true }
        guard string.last != "/" else { return false }
        var previousWasSlash = false
        for scalar in string.unicodeScalars {
            if scalar == "/" {
                if previousWasSlash { return false }
                previousWasSlash = true
            } else {
                guard isElementCharacter(scalar) else { return false }
                previousWasSlash = false
            }
        }
        return true
    }
}
