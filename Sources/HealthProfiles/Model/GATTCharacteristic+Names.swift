extension GATTCharacteristic {
    /// Lower-case hyphenated name for command lines and files, e.g. "blood-pressure-measurement".
    public var slug: String {
        specificationName.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" }).joined(separator: "-")
    }

    /// Finds a characteristic by "2A35", "0x2a35", the 128-bit UUID, or its slug ("blood-pressure-measurement").
    public init?(identifier text: String) {
        let trimmed = text.trimmingWhitespace
        if let uuid = BluetoothUUID(trimmed), let short = uuid.short, let known = GATTCharacteristic(rawValue: short) {
            self = known
            return
        }
        let wanted = trimmed.lowercased()
        guard let match = GATTCharacteristic.allCases.first(where: { $0.slug == wanted }) else { return nil }
        self = match
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
