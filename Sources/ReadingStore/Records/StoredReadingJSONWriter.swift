import HealthProfiles

/// Writes the `readings.reading` column: the bytes `JSONEncoder` (`.sortedKeys`) writes for `Reading`'s
/// synthesized `Codable` form, without `JSONEncoder`.
///
/// Why by hand: every reading's ingest encodes it, and `JSONEncoder` (an encoder, keyed containers and a value
/// tree per reading, then the tree serialised with its keys sorted) was a good part of the store's own CPU per
/// reading (issue 16, durable ingest against the sqlite3 CLI). What it writes is read back by `StoredReadingJSON`
/// (and by `JSONDecoder` where that does not recognise a row, as rows older than this writer may be);
/// `StoredReadingJSONTests` checks the writer against `JSONEncoder` byte for byte, and both readers on its output.
enum StoredReadingJSONWriter {
    static func bytes(_ reading: Reading) -> [UInt8] {
        var writer = Writer()
        writer.reading(reading)
        return writer.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(256) }

        // MARK: Reading and its parts, keys in sorted order, absent optionals left out (as `encodeIfPresent`)

        mutating func reading(_ reading: Reading) {
            var object = ObjectWriter()
            object.key("characteristic", &self); integer(reading.characteristic)
            object.key("components", &self)
            array(reading.components) { $0.component($1) }
            if let deviceTime = reading.deviceTime {
                object.key("deviceTime", &self); self.deviceTime(deviceTime)
            }
            object.key("flags", &self)
            array(reading.flags) { $0.string($1.rawValue) }
            object.key("kind", &self); string(reading.kind.rawValue)
            object.key("qualifiers", &self)
            var qualifiers = ObjectWriter()
            for key in reading.qualifiers.keys.sorted() {
                qualifiers.key(key, &self); string(reading.qualifiers[key] ?? "")
            }
            qualifiers.end(&self)
            if let sequenceNumber = reading.sequenceNumber {
                object.key("sequenceNumber", &self); integer(sequenceNumber)
            }
            if let userID = reading.userID {
                object.key("userID", &self); integer(userID)
            }
            object.end(&self)
        }

        mutating func component(_ component: ReadingComponent) {
            var object = ObjectWriter()
            object.key("unit", &self); string(component.unit.rawValue)
            object.key("value", &self); measuredValue(component.value)
            object.key("vital", &self); string(component.vital.rawValue)
            object.end(&self)
        }

        /// `{"number":{"_0":{...}}}`, `{"absent":{"_0":"error"}}`, `{"beyondRange":{"_0":"below"}}`.
        mutating func measuredValue(_ value: MeasuredValue) {
            var outer = ObjectWriter(), inner = ObjectWriter()
            switch value {
            case let .number(number):
                outer.key("number", &self); inner.key("_0", &self)
                var decimal = ObjectWriter()
                decimal.key("exponent", &self); integer(number.exponent)
                decimal.key("mantissa", &self); integer(number.mantissa)
                decimal.end(&self)
            case let .absent(reason):
                outer.key("absent", &self); inner.key("_0", &self); string(reason.rawValue)
            case let .beyondRange(side):
                outer.key("beyondRange", &self); inner.key("_0", &self); string(side.rawValue)
            }
            inner.end(&self)
            outer.end(&self)
        }

        mutating func deviceTime(_ time: DeviceDateTime) {
            var object = ObjectWriter()
            if let day = time.day { object.key("day", &self); integer(day) }
            object.key("hours", &self); integer(time.hours)
            object.key("minutes", &self); integer(time.minutes)
            if let month = time.month { object.key("month", &self); integer(month) }
            object.key("seconds", &self); integer(time.seconds)
            if let year = time.year { object.key("year", &self); integer(year) }
            object.end(&self)
        }

        // MARK: JSON pieces

        mutating func array<Element>(_ elements: [Element], _ element: (inout Writer, Element) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for (index, value) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element(&self, value)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func integer(_ value: some BinaryInteger) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = UInt64(value.magnitude)
            let start = bytes.count
            repeat {
                bytes.append(UInt8(truncatingIfNeeded: magnitude % 10) + 0x30)
                magnitude /= 10
            } while magnitude > 0
            bytes[start...].reverse()
        }

        /// A string as `JSONEncoder` escapes it: quote, backslash and slash, and control characters.
        mutating func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                    bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                case 0x00..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array(#"\u00"#.utf8))
                    bytes.append(hex[Int(byte >> 4)]); bytes.append(hex[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Opens an object at its first key and separates the next ones.
    struct ObjectWriter {
        var started = false

        mutating func key(_ name: String, _ writer: inout Writer) {
            writer.bytes.append(started ? UInt8(ascii: ",") : UInt8(ascii: "{"))
            started = true
            writer.string(name)
            writer.bytes.append(UInt8(ascii: ":"))
        }

        mutating func end(_ writer: inout Writer) {
            if !started { writer.bytes.append(UInt8(ascii: "{")) }
            writer.bytes.append(UInt8(ascii: "}"))
        }
    }
}
