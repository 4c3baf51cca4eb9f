/// JSON written straight into bytes, in exactly the form `JSON.serialized()` gives (compact, strings escaped by
/// `JSON.writeString`), for the forwarder's hot path: a reading's Observations are written member by member
/// instead of built as `[String: JSON]` trees, sorted and serialised (issue 16). The writer does not sort:
/// whoever writes an object writes its keys in ascending order, as `serialized()` would; the mapping tests compare
/// both byte for byte.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// One bit per open container, innermost lowest: set once it has a member, so the next one needs a comma.
    /// FHIR resources are far shallower than 64 levels.
    private var hasMembers: UInt64 = 0
    /// The last thing written was a key: the value that follows takes no comma.
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Takes the bytes written so far and starts again empty, keeping nothing open.
    public mutating func take() -> [UInt8] {
        defer { bytes = []; hasMembers = 0; afterKey = false }
        return bytes
    }

    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else {
            if hasMembers & 1 != 0 { bytes.append(UInt8(ascii: ",")) }
            hasMembers |= 1
        }
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); hasMembers <<= 1 }
    public mutating func endObject() { hasMembers >>= 1; bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); hasMembers <<= 1 }
    public mutating func endArray() { hasMembers >>= 1; bytes.append(UInt8(ascii: "]")) }

    /// An object key: a literal of the mapping, plain ASCII that needs no escaping.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        afterKey = true
    }

    public mutating func string(_ text: String) { separate(); JSON.writeString(text, into: &bytes) }

    /// Decimal text exactly as given (see `JSON.number`).
    public mutating func number(_ text: String) { separate(); bytes.append(contentsOf: text.utf8) }

    /// A value built as a tree (the rare parts of a resource), serialised as `serialized()` does.
    public mutating func value(_ json: JSON) { separate(); json.write(into: &bytes) }

    /// Bytes that already are one JSON value (an entry serialised earlier).
    public mutating func raw(_ serialized: [UInt8]) { separate(); bytes.append(contentsOf: serialized) }

    public mutating func member(_ name: StaticString, _ text: String) { key(name); string(text) }

    /// `{"reference": reference}`.
    public mutating func reference(_ name: StaticString, _ reference: String) {
        key(name)
        beginObject()
        member("reference", reference)
        endObject()
    }
}

extension FHIRCoding {
    /// `json`, written directly (keys code, display, system).
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("code", code)
        if let display { writer.member("display", display) }
        writer.member("system", system)
        writer.endObject()
    }
}

extension FHIRCodeableConcept {
    /// `json`, written directly (keys coding, text).
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if !coding.isEmpty {
            writer.key("coding")
            writer.beginArray()
            for item in coding { item.write(to: &writer) }
            writer.endArray()
        }
        if let text { writer.member("text", text) }
        writer.endObject()
    }
}
