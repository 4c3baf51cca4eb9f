import SystemCrypto
public import Foundation
public import HealthProfiles

/// Derives the stable identifier of a measurement from what a device repeats when it re-sends a stored
/// record (RACP "all records", a cuff replaying its memory on every connection).
///
/// The identifier is SHA-256 over a canonical text of: sensor key, characteristic, kind, user, device
/// timestamp, sequence number, every component (vital, value, unit) and the status flags. Values are
/// normalised (138 and 138.0 are the same) and components and flags sorted, so that the encoding of a
/// `Reading` cannot change the result. The digest's first 16 bytes are rendered as an RFC 9562 version 8
/// UUID (the form that RFC gives for name-based SHA-256 identifiers).
///
/// Qualifiers (meal, sample site...) are deliberately left out: the glucose context arrives in a separate
/// notification and may or may not have been merged when a record is re-sent, and it does not make two
/// measurements different.
///
/// Trade-off when a reading has neither a device timestamp nor a sequence number: two identical frames
/// may be two genuine measurements (a thermometer without a clock reading 36.8 twice). Then the receipt
/// time is included, so nothing is ever dropped as a false duplicate; the cost is that such a device
/// re-sending the very same frame later would be stored twice. Devices that store records always
/// timestamp or number them, so the duplicate case does not arise for stored data.
///
/// A glucometer whose record numbering restarted (reset, battery, replacement under the same address) numbers
/// its new records 1, 2, … again: the gateway counts its numberings (`series`), and a record of series 1 or later
/// has "series:N" after its sequence number, so that the new sequence 1 is never the old one even when its bytes
/// are the same. Series 0 (every device that never restarted) adds nothing: existing identities stay as they were.
///
/// The canonical text is versioned ("dho-reading/1"); changing it would make every re-sent record look new,
/// so a change must add a version, never edit this one.
public enum ReadingIdentity {
    public static func identifier(
        for reading: Reading, sensor: SensorKey, receivedAt: Date, series: Int = 0
    ) -> ReadingID {
        let text = canonicalText(for: reading, sensor: sensor, receivedAt: receivedAt, series: series)
        return ReadingID(rawValue: uuidString(digestOf: text))
    }

    /// An identifier for something derived from a reading (its second Observation, its status Observation):
    /// stable, distinct per `role`, same format.
    public static func derivedIdentifier(_ base: String, role: String) -> String {
        uuidString(digestOf: "dho-derived/1\n\(base)\n\(role)")
    }

    static func canonicalText(for reading: Reading, sensor: SensorKey, receivedAt: Date, series: Int = 0) -> String {
        var lines = ["dho-reading/1"]
        lines.append("sensor:\(sensor.rawValue)")
        lines.append("characteristic:\(String(reading.characteristic, radix: 16))")
        lines.append("kind:\(reading.kind.rawValue)")
        lines.append("user:\(reading.userID.map { String($0) } ?? "-")")
        lines.append("time:\(reading.deviceTime?.description ?? "-")")
        lines.append("sequence:\(reading.sequenceNumber.map { String($0) } ?? "-")")
        if series > 0, reading.sequenceNumber != nil { lines.append("series:\(series)") }
        let components = reading.components
            .map { "\($0.vital.rawValue)=\(canonical($0.value))[\($0.unit.rawValue)]" }
            .sorted()
        lines.append("components:\(components.joined(separator: ";"))")
        lines.append("flags:\(reading.flags.map(\.rawValue).sorted().joined(separator: ","))")
        if reading.deviceTime == nil, reading.sequenceNumber == nil {
            lines.append("received:\(receivedAt.unixMilliseconds)")
        }
        return lines.joined(separator: "\n")
    }

    static func canonical(_ value: MeasuredValue) -> String {
        switch value {
        case let .number(number): return number.normalized.description
        case let .absent(reason): return "absent:\(reason.rawValue)"
        // As the −∞ / +∞ the meter sent was keyed before LO / HI had a case of its own: a record the meter sends
        // again after an upgrade is still the same record.
        case .beyondRange: return "absent:\(value.dataAbsentReason?.rawValue ?? "")"
        }
    }

    static func uuidString(digestOf text: String) -> String {
        var bytes = Array(SHA256.hash(text.utf8).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        // Written as 36 ASCII bytes in one go (8-4-4-4-12 lower-case hex): the digest's text was built from a
        // String per byte and joined twice, 1.3 % of the daemon's CPU under load (issue 16, `perf`), once for
        // every reading and every derived identifier.
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                text[position] = hexDigits[Int(byte >> 4)]
                text[position + 1] = hexDigits[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
