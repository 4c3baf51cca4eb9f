extension WeightMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.weightMeasurement.displayName)
        var flags: UInt8 = units.flagBit ? Flag.imperial : 0
        if timestamp != nil { flags |= Flag.timestamp }
        if userID != nil { flags |= Flag.userID }
        if bmiAndHeight != nil { flags |= Flag.bmiAndHeight }
        writer.uint8(flags)
        writer.uint16(weightSteps)
        if let timestamp { try writer.dateTime(timestamp, "Time Stamp") }
        if let userID { writer.uint8(userID) }
        if let bmiAndHeight {
            writer.uint16(bmiAndHeight.bmiTenths)
            writer.uint16(bmiAndHeight.heightSteps)
        }
        return writer.bytes
    }
}
