import HealthProfiles

/// Reads the `readings.reading` column (what `JSONEncoder` wrote for `Reading` at ingest: its synthesized
/// `Codable` form) without `JSONDecoder`.
///
/// Why by hand: the forwarder's claim decodes the reading of every item it sends, and `JSONDecoder` (its keyed
/// containers, coding paths and existential boxes per value) was a third of a backlog drain's CPU (perf, release
/// `bench drain`, issue 16). This reads the same bytes in one pass. It only accepts the shape the synthesized
/// `Codable` writes; anything else (a key it does not know, a value of another type) throws, and the caller then
/// decodes the row with `JSONDecoder` as before, so an unexpected row costs time, never a wrong reading.
/// `StoredReadingJSONTests` checks it against `JSONDecoder` on every kind of value a reading holds.
enum StoredReadingJSON {
    struct Unexpected: Error {}

    static func reading(_ bytes: UnsafeRawBufferPointer) throws(Unexpected) -> Reading {
        var scanner = Scanner(bytes: bytes)
        let reading = try scanner.reading()
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw Unexpected() }
        return reading
    }

    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        // MARK: Reading and its parts (the synthesized Codable shapes)

        mutating func reading() throws(Unexpected) -> Reading {
            var kind: ReadingKind?
            var characteristic: UInt16?
            var deviceTime: DeviceDateTime?
            var components: [ReadingComponent]?
            var flags: [ReadingFlag]?
            var sequenceNumber: UInt16?
            var userID: UInt8?
            var qualifiers: [String: String]?
            try object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                switch key {
                case "kind": kind = try scanner.raw(ReadingKind.self)
                case "characteristic": characteristic = try scanner.integer(UInt16.self)
                case "deviceTime": deviceTime = try scanner.null() ? nil : scanner.deviceTime()
                case "components":
                    var list: [ReadingComponent] = []
                    try scanner.array { (scanner: inout Scanner) throws(Unexpected) in list.append(try scanner.component()) }
                    components = list
                case "flags":
                    var list: [ReadingFlag] = []
                    try scanner.array { (scanner: inout Scanner) throws(Unexpected) in list.append(try scanner.raw(ReadingFlag.self)) }
                    flags = list
                case "sequenceNumber": sequenceNumber = try scanner.null() ? nil : scanner.integer(UInt16.self)
                case "userID": userID = try scanner.null() ? nil : scanner.integer(UInt8.self)
                case "qualifiers":
                    var members: [String: String] = [:]
                    try scanner.object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                        members[key] = try scanner.string()
                    }
                    qualifiers = members
                default: throw Unexpected()
                }
            }
            guard let kind, let characteristic, let components, let flags, let qualifiers else { throw Unexpected() }
            var reading = Reading(
                kind: kind, characteristic: characteristic, deviceTime: deviceTime, components: components,
                sequenceNumber: sequenceNumber, userID: userID, qualifiers: qualifiers)
            // As stored (the initialiser would sort and deduplicate; `JSONDecoder` does not).
            reading.flags = flags
            return reading
        }

        mutating func component() throws(Unexpected) -> ReadingComponent {
            var vital: VitalSign?
            var value: MeasuredValue?
            var unit: UCUMUnit?
            try object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                switch key {
                case "vital": vital = try scanner.raw(VitalSign.self)
                case "unit": unit = try scanner.raw(UCUMUnit.self)
                case "value": value = try scanner.measuredValue()
                default: throw Unexpected()
                }
            }
            guard let vital, let value, let unit else { throw Unexpected() }
            return ReadingComponent(vital, value, unit)
        }

        /// `{"number":{"_0":{...}}}`, `{"absent":{"_0":"error"}}`, `{"beyondRange":{"_0":"below"}}`.
        mutating func measuredValue() throws(Unexpected) -> MeasuredValue {
            var value: MeasuredValue?
            try object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                guard value == nil else { throw Unexpected() }
                try scanner.object { (scanner: inout Scanner, field: String) throws(Unexpected) in
                    guard field == "_0" else { throw Unexpected() }
                    switch key {
                    case "number": value = .number(try scanner.decimal())
                    case "absent": value = .absent(try scanner.raw(AbsentReason.self))
                    case "beyondRange": value = .beyondRange(try scanner.raw(MeasuringRangeSide.self))
                    default: throw Unexpected()
                    }
                }
            }
            guard let value else { throw Unexpected() }
            return value
        }

        mutating func decimal() throws(Unexpected) -> DecimalNumber {
            var mantissa: Int64?
            var exponent: Int?
            try object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                switch key {
                case "mantissa": mantissa = try scanner.integer(Int64.self)
                case "exponent": exponent = try scanner.integer(Int.self)
                default: throw Unexpected()
                }
            }
            guard let mantissa, let exponent else { throw Unexpected() }
            return DecimalNumber(mantissa: mantissa, exponent: exponent)
        }

        mutating func deviceTime() throws(Unexpected) -> DeviceDateTime {
            var year: Int?, month: Int?, day: Int?, hours: Int?, minutes: Int?, seconds: Int?
            try object { (scanner: inout Scanner, key: String) throws(Unexpected) in
                let value = try scanner.null() ? nil : scanner.integer(Int.self)
                switch key {
                case "year": year = value
                case "month": month = value
                case "day": day = value
                case "hours": hours = value
                case "minutes": minutes = value
                case "seconds": seconds = value
                default: throw Unexpected()
                }
            }
            guard let hours, let minutes, let seconds else { throw Unexpected() }
            // A stored time was validated when its frame was decoded; one that is not valid goes the slow way.
            do {
                return try DeviceDateTime(year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: seconds)
            } catch { throw Unexpected() }
        }

        // MARK: JSON pieces

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func expect(_ byte: UInt8) throws(Unexpected) {
            guard consume(byte) else { throw Unexpected() }
        }

        /// Consumes `null` when it comes next.
        mutating func null() -> Bool {
            skipWhitespace()
            guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
                  bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
            else { return false }
            index += 4
            return true
        }

        mutating func object(_ member: (inout Scanner, String) throws(Unexpected) -> Void) throws(Unexpected) {
            try expect(UInt8(ascii: "{"))
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                try member(&self, key)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        }

        mutating func array(_ element: (inout Scanner) throws(Unexpected) -> Void) throws(Unexpected) {
            try expect(UInt8(ascii: "["))
            if consume(UInt8(ascii: "]")) { return }
            repeat { try element(&self) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        }

        mutating func raw<Value: RawRepresentable<String>>(_: Value.Type) throws(Unexpected) -> Value {
            guard let value = Value(rawValue: try string()) else { throw Unexpected() }
            return value
        }

        /// An integer written without fraction or exponent (how `JSONEncoder` writes one), in `Value`'s range.
        mutating func integer<Value: FixedWidthInteger>(_: Value.Type) throws(Unexpected) -> Value {
            skipWhitespace()
            let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let start = index
            var magnitude: UInt64 = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - 0x30))
                guard !overflow1, !overflow2 else { throw Unexpected() }
                magnitude = sum
                index += 1
            }
            guard index > start, index - start == 1 || bytes[start] != 0x30 else { throw Unexpected() }
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): throw Unexpected()  // not an integer
                default: break
                }
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw Unexpected() }
                let signed = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
                guard let value = Value(exactly: signed) else { throw Unexpected() }
                return value
            }
            guard let value = Value(exactly: magnitude) else { throw Unexpected() }
            return value
        }

        /// A string; escapes (`JSONEncoder` writes `/` as `\/`) are decoded.
        mutating func string() throws(Unexpected) -> String {
            try expect(UInt8(ascii: "\""))
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw Unexpected() }
                index += 1
            }
            guard index < bytes.count else { throw Unexpected() }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                else { throw Unexpected() }
                return text
            }
            var utf8 = Array(bytes[start..<index])
            while true {
                guard index < bytes.count else { throw Unexpected() }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw Unexpected() }
                    return text
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                case 0x00..<0x20:
                    throw Unexpected()
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func escape(into utf8: inout [UInt8]) throws(Unexpected) {
            guard index < bytes.count else { throw Unexpected() }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw Unexpected() }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Unexpected() }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw Unexpected() }
                utf8.append(contentsOf: String(Character(scalar)).utf8)
            default:
                throw Unexpected()
            }
        }

        mutating func hex4() throws(Unexpected) -> UInt32 {
            guard index + 4 <= bytes.count else { throw Unexpected() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw Unexpected()
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
