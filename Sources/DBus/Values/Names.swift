/// Syntax checks for bus, interface, member and error names (D-Bus specification, "Valid Names").
///
/// Names are checked before they reach libdbus because libdbus treats an invalid name as a programming
/// error and aborts the process; here it becomes a `DBusError.invalidValue`.
public enum DBusNames {
    public static func isValidInterface(_ name: String) -> Bool {
        isDottedName(name, allowHyphen: false, allowLeadingDigit: false, minimumElements: 2)
    }

    /// Error names have the same syntax as interface names.
    public static func isValidErrorName(_ name: String) -> Bool { isValidInterface(name) }

    public static func isValidMember(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, let first = name.unicodeScalars.first else { return false }
        guard !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy(isWordCharacter)
    }

    public static func isValidBusName(_ name: String) -> Bool {
        guard name.utf8.count <= 255 else { return false }
        if name.hasPrefix(":") {
            return isDottedName(String(name.dropFirst()), allowHyphen: true, allowLeadingDigit: true, minimumElements: 2)
        }
        return isDottedName(name, allowHyphen: true, allowLeadingDigit: false, minimumElements: 2)
    }

    static func validateInterface(_ name: String) throws(DBusError) {
        guard isValidInterface(name) else { throw .invalidValue("invalid interface name '\(name)'") }
    }

    static func validateMember(_ name: String) throws(DBusError) {
        guard isValidMember(name) else { throw .invalidValue("invalid member name '\(name)'") }
    }

    static func validateBusName(_ name: String) throws(DBusError) {
        guard isValidBusName(name) else { throw .invalidValue("invalid bus name '\(name)'") }
    }

    static func validateErrorName(_ name: String) throws(DBusError) {
        guard isValidErrorName(name) else { throw .invalidValue("invalid error name '\(name)'") }
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_": true
        default: false
        }
    }

    private static func isDottedName(_ name: String, allowHyphen: Bool, allowLeadingDigit: Bool,
                                     minimumElements: Int) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        let elements = name.split(separator: ".", omittingEmptySubsequences: false)
        guard elements.count >= minimumElements else { return false }
        for element in elements {
            guard let first = element.unicodeScalars.first else { return false }
            if !allowLeadingDigit, ("0"..."9").contains(first) { return false }
            for scalar in element.unicodeScalars {
                guard isWordCharacter(scalar) || (allowHyphen && scalar == "-") else { return false }
            }
        }
        return true
    }
}
