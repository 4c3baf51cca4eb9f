extension ByteWriter {
    /// Writes the 7-byte Date Time layout; unknown year/month/day are written as 0.
    public mutating func dateTime(_ value: DeviceDateTime, _ field: String) throws(EncodeError) {
        try uint16(value.year ?? 0, "\(field).Year")
        // DeviceDateTime guarantees the ranges, so these narrowings cannot lose information.
        uint8(UInt8(truncatingIfNeeded: value.month ?? 0))
        uint8(UInt8(truncatingIfNeeded: value.day ?? 0))
        uint8(UInt8(truncatingIfNeeded: value.hours))
        uint8(UInt8(truncatingIfNeeded: value.minutes))
        uint8(UInt8(truncatingIfNeeded: value.seconds))
    }
}

extension DeviceDateTime {
    /// The Date Time characteristic value (e.g. to set a device's clock through 0x2A08).
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.dateTime.displayName)
        try writer.dateTime(self, "Date Time")
        return writer.bytes
    }
}
