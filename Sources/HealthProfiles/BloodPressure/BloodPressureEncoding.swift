// Encoders for the blood-pressure family: the simulator builds device frames from typed values with these,
// and the tests check decode(encode(x)) == x and encode(decode(frame)) == frame.

extension BloodPressureMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        try encoded(as: .bloodPressureMeasurement)
    }

    func encoded(as characteristic: GATTCharacteristic) throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: characteristic.displayName)
        var flags: UInt8 = unit.flagBit ? Flag.kilopascal : 0
        if timestamp != nil { flags |= Flag.timestamp }
        if pulseRate != nil { flags |= Flag.pulseRate }
        if userID != nil { flags |= Flag.userID }
        if measurementStatus != nil { flags |= Flag.measurementStatus }
        writer.uint8(flags)
        try writer.sfloat(systolic, "Compound Value.Systolic")
        try writer.sfloat(diastolic, "Compound Value.Diastolic")
        try writer.sfloat(meanArterialPressure, "Compound Value.Mean Arterial Pressure")
        if let timestamp { try writer.dateTime(timestamp, "Time Stamp") }
        if let pulseRate { try writer.sfloat(pulseRate, "Pulse Rate") }
        if let userID { writer.uint8(userID) }
        if let measurementStatus { try writer.status(measurementStatus) }
        return writer.bytes
    }
}

extension IntermediateCuffPressure {
    public func encoded() throws(EncodeError) -> [UInt8] {
        try BloodPressureMeasurement(
            unit: unit, systolic: currentCuffPressure, diastolic: unusedDiastolic,
            meanArterialPressure: unusedMeanArterialPressure, timestamp: timestamp, pulseRate: pulseRate,
            userID: userID, measurementStatus: measurementStatus
        ).encoded(as: .intermediateCuffPressure)
    }
}

extension EnhancedBloodPressureMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.enhancedBloodPressureMeasurement.displayName)
        var flags: UInt8 = unit.flagBit ? Flag.kilopascal : 0
        if timestamp != nil { flags |= Flag.timestamp }
        if pulseRate != nil { flags |= Flag.pulseRate }
        if userID != nil { flags |= Flag.userID }
        if measurementStatus != nil { flags |= Flag.measurementStatus }
        if userFacingTime != nil { flags |= Flag.userFacingTime }
        if epoch == .year2000 { flags |= Flag.epoch2000 }
        writer.uint8(flags)
        try writer.sfloat(systolic, "Compound Value.Systolic")
        try writer.sfloat(diastolic, "Compound Value.Diastolic")
        try writer.sfloat(meanArterialPressure, "Compound Value.Mean Arterial Pressure")
        if let timestamp { writer.uint32(timestamp) }
        if let pulseRate { try writer.sfloat(pulseRate, "Pulse Rate") }
        if let userID { writer.uint8(userID) }
        if let measurementStatus { try writer.status(measurementStatus) }
        if let userFacingTime { writer.uint32(userFacingTime) }
        return writer.bytes
    }
}

extension ByteWriter {
    fileprivate mutating func status(_ status: BloodPressureMeasurementStatus) throws(EncodeError) {
        guard status.rawValue & ~BloodPressureMeasurementStatus.defined == 0, status.pulseRateRange != nil else {
            throw .outOfRange(characteristic: characteristic, field: "Measurement Status", value: "\(status.rawValue)")
        }
        uint16(status.rawValue)
    }
}
