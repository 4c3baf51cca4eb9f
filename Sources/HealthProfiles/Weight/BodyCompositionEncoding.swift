extension BodyCompositionMeasurement {
    /// One frame holding every present field (the multiple-packet bit as stored).
    public func encoded() throws(EncodeError) -> [UInt8] {
        try encodedPacket(fields: presentFields, multiplePacket: multiplePacket)
    }

    /// The indications a scale sends with an ATT payload limit of `maxPayload` bytes (20 for the default MTU):
    /// one frame when it fits, else two frames with the Multiple Packet bit, each repeating Flags and Body Fat
    /// Percentage; Time Stamp and User ID stay in the first.
    public func encodedPackets(maxPayload: Int = 20) throws(EncodeError) -> [[UInt8]] {
        let whole = try encodedPacket(fields: presentFields, multiplePacket: false)
        if whole.count <= maxPayload { return [whole] }
        var first = Flag.timestamp & presentFields | Flag.userID & presentFields
        var size = 4 + (timestamp != nil ? 7 : 0) + (userID != nil ? 1 : 0)
        var second: UInt16 = 0
        for field in Self.numericFields where self[keyPath: field.path] != nil {
            if second == 0, size + 2 <= maxPayload {
                first |= field.bit
                size += 2
            } else {
                second |= field.bit
            }
        }
        let packets = [
            try encodedPacket(fields: first, multiplePacket: true), try encodedPacket(fields: second, multiplePacket: true),
        ]
        guard packets.allSatisfy({ $0.count <= maxPayload }) else {
            throw .inconsistent(
                characteristic: GATTCharacteristic.bodyCompositionMeasurement.displayName,
                detail: "does not fit two packets of \(maxPayload) bytes")
        }
        return packets
    }

    private func encodedPacket(fields: UInt16, multiplePacket: Bool) throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.bodyCompositionMeasurement.displayName)
        var flags = fields
        if units.flagBit { flags |= Flag.imperial }
        if multiplePacket { flags |= Flag.multiplePacket }
        writer.uint16(flags)
        writer.uint16(bodyFatTenthsPercent)
        if fields & Flag.timestamp != 0, let timestamp { try writer.dateTime(timestamp, "Time Stamp") }
        if fields & Flag.userID != 0, let userID { writer.uint8(userID) }
        for field in Self.numericFields where fields & field.bit != 0 {
            if let raw = self[keyPath: field.path] { writer.uint16(raw) }
        }
        return writer.bytes
    }
}
