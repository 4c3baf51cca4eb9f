/// Parses hex as technicians paste it: "1E 8A 00", "1E8A00", "1e:8a:00", "0x1E8A00", possibly split over
/// several command-line arguments. Nil when anything but hex digits and separators is present or a digit is
/// left over.
enum HexInput {
    static func bytes(_ parts: [String]) -> [UInt8]? {
        var digits = parts.joined().filter { !$0.isWhitespace && $0 != ":" && $0 != "-" }
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits.removeFirst(2) }
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
