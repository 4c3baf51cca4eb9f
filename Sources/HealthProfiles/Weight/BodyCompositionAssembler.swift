/// Joins a Body Composition Measurement split over two indications (Flags bit 12, "Multiple Packet").
///
/// A scale whose full measurement exceeds the ATT payload sends two packets, both with the Multiple Packet
/// bit, each with its own Flags and the mandatory Body Fat Percentage; together they carry each field once.
/// The assembler yields the joined measurement after the second packet and rejects sequences that cannot
/// be two halves of one measurement (different units or body fat, a field sent twice, a lone second half).
public struct BodyCompositionAssembler: Sendable {
    /// The first half, waiting for the second.
    public private(set) var pending: BodyCompositionMeasurement?

    public init() {}

    /// Accepts one decoded packet; returns the complete measurement, or nil while waiting for the second half.
    public mutating func accept(_ packet: BodyCompositionMeasurement) throws(DecodeError) -> BodyCompositionMeasurement? {
        guard let first = pending else {
            if packet.multiplePacket {
                pending = packet
                return nil
            }
            return packet
        }
        pending = nil
        let name = GATTCharacteristic.bodyCompositionMeasurement.displayName
        guard packet.multiplePacket else {
            throw .invalidValue(
                characteristic: name, field: "Flags.Multiple Packet Measurement",
                detail: "a single-packet measurement arrived while the second half of a split one was expected")
        }
        guard packet.units == first.units else {
            throw .invalidValue(characteristic: name, field: "Flags.Measurement Units", detail: "the two halves use different units")
        }
        guard packet.bodyFatTenthsPercent == first.bodyFatTenthsPercent else {
            throw .invalidValue(
                characteristic: name, field: "Body Fat Percentage",
                detail: "the halves disagree (\(first.bodyFatTenthsPercent) vs \(packet.bodyFatTenthsPercent) tenths of %)")
        }
        let duplicated = first.presentFields & packet.presentFields
        guard duplicated == 0 else {
            throw .invalidValue(
                characteristic: name, field: "Flags",
                detail: "both halves carry the same field(s) (flag bits 0x\(String(duplicated, radix: 16, uppercase: true)))")
        }
        var joined = first
        joined.multiplePacket = false
        joined.timestamp = first.timestamp ?? packet.timestamp
        joined.userID = first.userID ?? packet.userID
        for field in BodyCompositionMeasurement.numericFields {
            joined[keyPath: field.path] = first[keyPath: field.path] ?? packet[keyPath: field.path]
        }
        return joined
    }

    /// Disconnect or end of transfer with a half pending: returns it so that nothing the scale sent is lost.
    public mutating func finish() -> BodyCompositionMeasurement? {
        defer { pending = nil }
        return pending
    }
}
