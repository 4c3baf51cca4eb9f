// Encoders for glucose records: the simulator answers RACP requests with frames built from typed values.

extension GlucoseMeasurement {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.glucoseMeasurement.displayName)
        var flags: UInt8 = unit == .molePerLitre ? Flag.molePerLitre : 0
        if timeOffset != nil { flags |= Flag.timeOffset }
        if concentration != nil { flags |= Flag.concentration }
        if sensorStatus != nil { flags |= Flag.sensorStatus }
        if contextFollows { flags |= Flag.contextFollows }
        writer.uint8(flags)
        writer.uint16(sequenceNumber)
        try writer.dateTime(baseTime, "Base Time")
        if let timeOffset { writer.int16(timeOffset) }
        if let concentration {
            try writer.sfloat(concentration.value, "Glucose Concentration")
            writer.uint8(concentration.location.rawValue << 4 | concentration.type.rawValue)
        }
        if let sensorStatus {
            guard sensorStatus.rawValue & ~GlucoseSensorStatus.defined == 0 else {
                throw .outOfRange(
                    characteristic: writer.characteristic, field: "Sensor Status Annunciation", value: "\(sensorStatus.rawValue)")
            }
            writer.uint16(sensorStatus.rawValue)
        }
        return writer.bytes
    }
}

extension GlucoseMeasurementContext {
    public func encoded() throws(EncodeError) -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.glucoseMeasurementContext.displayName)
        var flags: UInt8 = medicationUnit == .litres ? Flag.medicationInLitres : 0
        if carbohydrate != nil { flags |= Flag.carbohydrate }
        if meal != nil { flags |= Flag.meal }
        if testerHealth != nil { flags |= Flag.testerHealth }
        if exercise != nil { flags |= Flag.exercise }
        if medication != nil { flags |= Flag.medication }
        if hba1c != nil { flags |= Flag.hba1c }
        if extendedFlags != nil { flags |= Flag.extendedFlags }
        writer.uint8(flags)
        writer.uint16(sequenceNumber)
        if let extendedFlags {
            guard extendedFlags == 0 else {
                throw .outOfRange(characteristic: writer.characteristic, field: "Extended Flags", value: "\(extendedFlags)")
            }
            writer.uint8(extendedFlags)
        }
        if let carbohydrate {
            writer.uint8(carbohydrate.id.rawValue)
            try writer.sfloat(carbohydrate.kilograms, "Carbohydrate")
        }
        if let meal { writer.uint8(meal.rawValue) }
        if let testerHealth { writer.uint8(testerHealth.health.rawValue << 4 | testerHealth.tester.rawValue) }
        if let exercise {
            guard exercise.intensityPercent <= 100 else {
                throw .outOfRange(
                    characteristic: writer.characteristic, field: "Exercise Intensity", value: "\(exercise.intensityPercent)")
            }
            writer.uint16(exercise.durationSeconds)
            writer.uint8(exercise.intensityPercent)
        }
        if let medication {
            writer.uint8(medication.id.rawValue)
            try writer.sfloat(medication.amount, "Medication")
        }
        if let hba1c { try writer.sfloat(hba1c, "HbA1c") }
        return writer.bytes
    }
}
