/// Date Time (0x2A08): the 7-byte calendar stamp embedded in most health measurements.
///
/// Layout: year uint16 (1582...9999, 0 = unknown), month uint8 (1...12, 0 = unknown), day uint8
/// (1...31, 0 = unknown), hours 0...23, minutes 0...59, seconds 0...59. An impossible date (Feb 30,
/// hour 24) is a decode error naming the characteristic that carried it.
extension ByteReader {
    public mutating func dateTime(_ field: String) throws(DecodeError) -> DeviceDateTime {
        let year = try uint16("\(field).Year")
        let month = try uint8("\(field).Month")
        let day = try uint8("\(field).Day")
        let hours = try uint8("\(field).Hours")
        let minutes = try uint8("\(field).Minutes")
        let seconds = try uint8("\(field).Seconds")
        return try DeviceDateTime(
            year: year == 0 ? nil : Int(year), month: month == 0 ? nil : Int(month), day: day == 0 ? nil : Int(day),
            hours: Int(hours), minutes: Int(minutes), seconds: Int(seconds),
            characteristic: characteristic, field: field)
    }
}

extension DeviceDateTime {
    /// Decodes a stand-alone Date Time characteristic value.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> DeviceDateTime {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.dateTime.displayName)
        let value = try reader.dateTime("Date Time")
        try reader.expectEnd()
        return value
    }
}
