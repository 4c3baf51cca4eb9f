extension TemperatureMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] { try encoded(as: .temperatureMeasurement) }

    func encoded(as characteristic: GATTCharacteristic) throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: characteristic.displayName)
        var flags: UInt8 = unit == .fahrenheit ? Flag.fahrenheit : 0
        if timestamp != nil { flags |= Flag.timestamp }
        if temperatureType != nil { flags |= Flag.temperatureType }
        writer.uint8(flags)
        try writer.float(temperature, "Temperature Measurement Value")
        if let timestamp { try writer.dateTime(timestamp, "Time Stamp") }
        if let temperatureType { writer.uint8(temperatureType.rawValue) }
        return writer.bytes
    }
}

extension IntermediateTemperature {
    public func encoded() throws(EncodeError) -> [UInt8] { try value.encoded(as: .intermediateTemperature) }
}
