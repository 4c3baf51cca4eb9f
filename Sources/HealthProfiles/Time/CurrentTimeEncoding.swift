extension CurrentTime {
    /// The 10-byte Current Time value, as written to a device to set its clock.
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.currentTime.displayName)
        guard adjustReason.rawValue & ~AdjustReason.defined == 0 else {
            throw .outOfRange(characteristic: writer.characteristic, field: "Adjust Reason", value: "\(adjustReason.rawValue)")
        }
        try writer.dateTime(dateTime, "Exact Time 256.Date Time")
        writer.uint8(dayOfWeek.rawValue)
        writer.uint8(fractions256)
        writer.uint8(adjustReason.rawValue)
        return writer.bytes
    }
}
