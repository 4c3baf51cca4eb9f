// Encoders for the pulse-oximetry family (simulator frames, round-trip tests).

extension PLXSpotCheckMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.plxSpotCheckMeasurement.displayName)
        var flags: UInt8 = deviceClockNotSet ? Flag.deviceClockNotSet : 0
        if timestamp != nil { flags |= Flag.timestamp }
        if measurementStatus != nil { flags |= Flag.measurementStatus }
        if deviceAndSensorStatus != nil { flags |= Flag.deviceAndSensorStatus }
        if pulseAmplitudeIndex != nil { flags |= Flag.pulseAmplitudeIndex }
        writer.uint8(flags)
        try writer.sfloat(spo2, "SpO2PR-Spot-Check.SpO2")
        try writer.sfloat(pulseRate, "SpO2PR-Spot-Check.PR")
        if let timestamp { try writer.dateTime(timestamp, "Time Stamp") }
        if let measurementStatus { try writer.plxStatus(measurementStatus) }
        if let deviceAndSensorStatus { try writer.plxDeviceStatus(deviceAndSensorStatus) }
        if let pulseAmplitudeIndex { try writer.sfloat(pulseAmplitudeIndex, "Pulse Amplitude Index") }
        return writer.bytes
    }
}

extension PLXContinuousMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.plxContinuousMeasurement.displayName)
        var flags: UInt8 = 0
        if fast != nil { flags |= Flag.fast }
        if slow != nil { flags |= Flag.slow }
        if measurementStatus != nil { flags |= Flag.measurementStatus }
        if deviceAndSensorStatus != nil { flags |= Flag.deviceAndSensorStatus }
        if pulseAmplitudeIndex != nil { flags |= Flag.pulseAmplitudeIndex }
        writer.uint8(flags)
        for (name, pair) in [("SpO2PR-Normal", normal), ("SpO2PR-Fast", fast), ("SpO2PR-Slow", slow)] {
            guard let pair else { continue }
            try writer.sfloat(pair.spo2, "\(name).SpO2")
            try writer.sfloat(pair.pulseRate, "\(name).PR")
        }
        if let measurementStatus { try writer.plxStatus(measurementStatus) }
        if let deviceAndSensorStatus { try writer.plxDeviceStatus(deviceAndSensorStatus) }
        if let pulseAmplitudeIndex { try writer.sfloat(pulseAmplitudeIndex, "Pulse Amplitude Index") }
        return writer.bytes
    }
}

extension PLXFeatures {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.plxFeatures.displayName)
        guard supported.rawValue & ~Supported.defined == 0 else {
            throw .outOfRange(characteristic: writer.characteristic, field: "Supported Features", value: "\(supported.rawValue)")
        }
        writer.uint16(supported.rawValue)
        if let measurementStatusSupport { try writer.plxStatus(measurementStatusSupport) }
        if let deviceAndSensorStatusSupport { try writer.plxDeviceStatus(deviceAndSensorStatusSupport) }
        return writer.bytes
    }
}

extension ByteWriter {
    fileprivate mutating func plxStatus(_ status: PLXMeasurementStatus) throws(EncodeError) {
        guard status.rawValue & ~PLXMeasurementStatus.defined == 0 else {
            throw .outOfRange(characteristic: characteristic, field: "Measurement Status", value: "\(status.rawValue)")
        }
        uint16(status.rawValue)
    }

    fileprivate mutating func plxDeviceStatus(_ status: PLXDeviceAndSensorStatus) throws(EncodeError) {
        guard status.rawValue & ~PLXDeviceAndSensorStatus.defined == 0 else {
            throw .outOfRange(characteristic: characteristic, field: "Device and Sensor Status", value: "\(status.rawValue)")
        }
        try uint24(status.rawValue, "Device and Sensor Status")
    }
}
