@testable import HealthProfiles
import SeededRandom

/// A random but always valid value of a registered characteristic type. `CharacteristicRegistryTests` asks every
/// registry entry for one, so a new characteristic's test starts by adding its generator here.
protocol RandomCharacteristic: HealthCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self
}

extension RandomValues {
    static func uint8(_ rng: inout SeededGenerator) -> UInt8 { UInt8.random(in: 0...UInt8.max, using: &rng) }
    static func uint32(_ rng: inout SeededGenerator) -> UInt32 { UInt32.random(in: 0...UInt32.max, using: &rng) }

    /// Any defined status bits with a defined pulse-rate range (bits 3-4 = 3 is reserved).
    static func bloodPressureStatus(_ rng: inout SeededGenerator) -> BloodPressureMeasurementStatus {
        BloodPressureMeasurementStatus(rawValue: UInt16.random(in: 0...0x3F, using: &rng) & ~0x18
            | [0, 0x08, 0x10].randomElement(using: &rng)!)
    }

    /// Text as a device might send it, no NUL bytes (padding is dropped, an embedded NUL rejected).
    static func text(_ rng: inout SeededGenerator) -> String {
        let alphabet = Array("ABCXYZabcxyz0189 -_./åøµ°")
        return String((0..<Int.random(in: 0...20, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
}

extension DeviceDateTime: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { RandomValues.date(&rng) }
}

extension DayOfWeek: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { allCases.randomElement(using: &rng)! }
}

extension CurrentTime: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        CurrentTime(
            dateTime: RandomValues.date(&rng), dayOfWeek: .random(&rng), fractions256: RandomValues.uint8(&rng),
            adjustReason: AdjustReason(rawValue: RandomValues.uint8(&rng) & AdjustReason.defined))
    }
}

extension TemperatureMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        TemperatureMeasurement(
            unit: Bool.random(using: &rng) ? .fahrenheit : .celsius, temperature: RandomValues.float(&rng),
            timestamp: RandomValues.optionalDate(&rng), temperatureType: TemperatureType.allCases.randomElement(using: &rng))
    }
}

extension IntermediateTemperature: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { IntermediateTemperature(.random(&rng)) }
}

extension TemperatureType: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { allCases.randomElement(using: &rng)! }
}

extension GlucoseMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        GlucoseMeasurement(
            sequenceNumber: RandomValues.uint16(&rng), baseTime: RandomValues.date(&rng),
            timeOffset: RandomValues.optional(&rng) { Int16.random(in: .min ... .max, using: &$0) },
            unit: Bool.random(using: &rng) ? .molePerLitre : .kilogramPerLitre,
            concentration: RandomValues.optional(&rng) {
                .init(value: RandomValues.sfloat(&$0), type: GlucoseSampleType.allCases.randomElement(using: &$0)!,
                      location: GlucoseSampleLocation.allCases.randomElement(using: &$0)!)
            },
            sensorStatus: RandomValues.optional(&rng) { GlucoseSensorStatus(rawValue: RandomValues.uint16(&$0) & 0x0FFF) },
            contextFollows: Bool.random(using: &rng))
    }
}

extension GlucoseMeasurementContext: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        GlucoseMeasurementContext(
            sequenceNumber: RandomValues.uint16(&rng), extendedFlags: Bool.random(using: &rng) ? 0 : nil,
            carbohydrate: RandomValues.optional(&rng) {
                .init(id: GlucoseCarbohydrate.allCases.randomElement(using: &$0)!, kilograms: RandomValues.sfloat(&$0))
            },
            meal: GlucoseMeal.allCases.randomElement(using: &rng),
            testerHealth: RandomValues.optional(&rng) {
                .init(tester: GlucoseTester.allCases.randomElement(using: &$0)!, health: GlucoseHealth.allCases.randomElement(using: &$0)!)
            },
            exercise: RandomValues.optional(&rng) {
                .init(durationSeconds: RandomValues.uint16(&$0), intensityPercent: UInt8.random(in: 0...100, using: &$0))
            },
            medicationUnit: Bool.random(using: &rng) ? .litres : .kilograms,
            medication: RandomValues.optional(&rng) {
                .init(id: GlucoseMedication.allCases.randomElement(using: &$0)!, amount: RandomValues.sfloat(&$0))
            },
            hba1c: RandomValues.optional(&rng, RandomValues.sfloat))
    }
}

extension GlucoseFeature: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { GlucoseFeature(rawValue: RandomValues.uint16(&rng) & defined) }
}

extension RACPResponse: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        Bool.random(using: &rng)
            ? .numberOfStoredRecords(RandomValues.uint16(&rng))
            : .responseCode(requestOpCode: RandomValues.uint8(&rng), code: RACPResponseCode(rawValue: .random(in: 1...9, using: &rng))!)
    }
}

extension BloodPressureMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        BloodPressureMeasurement(
            unit: Bool.random(using: &rng) ? .kilopascal : .millimetreOfMercury,
            systolic: RandomValues.sfloat(&rng), diastolic: RandomValues.sfloat(&rng),
            meanArterialPressure: RandomValues.sfloat(&rng), timestamp: RandomValues.optionalDate(&rng),
            pulseRate: RandomValues.optional(&rng, RandomValues.sfloat), userID: RandomValues.optional(&rng, RandomValues.uint8),
            measurementStatus: RandomValues.optional(&rng, RandomValues.bloodPressureStatus))
    }
}

extension IntermediateCuffPressure: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        IntermediateCuffPressure(
            unit: Bool.random(using: &rng) ? .kilopascal : .millimetreOfMercury, currentCuffPressure: RandomValues.sfloat(&rng),
            timestamp: RandomValues.optionalDate(&rng), pulseRate: RandomValues.optional(&rng, RandomValues.sfloat),
            userID: RandomValues.optional(&rng, RandomValues.uint8),
            measurementStatus: RandomValues.optional(&rng, RandomValues.bloodPressureStatus),
            unusedDiastolic: RandomValues.sfloat(&rng), unusedMeanArterialPressure: RandomValues.sfloat(&rng))
    }
}

extension EnhancedBloodPressureMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        EnhancedBloodPressureMeasurement(
            unit: Bool.random(using: &rng) ? .kilopascal : .millimetreOfMercury,
            systolic: RandomValues.sfloat(&rng), diastolic: RandomValues.sfloat(&rng),
            meanArterialPressure: RandomValues.sfloat(&rng), epoch: Bool.random(using: &rng) ? .year2000 : .year1900,
            timestamp: RandomValues.optional(&rng, RandomValues.uint32), pulseRate: RandomValues.optional(&rng, RandomValues.sfloat),
            userID: RandomValues.optional(&rng, RandomValues.uint8),
            measurementStatus: RandomValues.optional(&rng, RandomValues.bloodPressureStatus),
            userFacingTime: RandomValues.optional(&rng, RandomValues.uint32))
    }
}

extension BloodPressureFeature: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { BloodPressureFeature(rawValue: RandomValues.uint16(&rng) & defined) }
}

extension PLXSpotCheckMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        PLXSpotCheckMeasurement(
            spo2: RandomValues.sfloat(&rng), pulseRate: RandomValues.sfloat(&rng), timestamp: RandomValues.optionalDate(&rng),
            measurementStatus: RandomValues.optional(&rng) { PLXMeasurementStatus(rawValue: RandomValues.uint16(&$0) & 0xFFE0) },
            deviceAndSensorStatus: RandomValues.optional(&rng) { PLXDeviceAndSensorStatus(rawValue: UInt32(RandomValues.uint16(&$0))) },
            pulseAmplitudeIndex: RandomValues.optional(&rng, RandomValues.sfloat), deviceClockNotSet: Bool.random(using: &rng))
    }
}

extension PLXContinuousMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        let pair = { (rng: inout SeededGenerator) in
            PLXContinuousMeasurement.SpO2PR(spo2: RandomValues.sfloat(&rng), pulseRate: RandomValues.sfloat(&rng))
        }
        return PLXContinuousMeasurement(
            normal: pair(&rng), fast: RandomValues.optional(&rng, pair), slow: RandomValues.optional(&rng, pair),
            measurementStatus: RandomValues.optional(&rng) { PLXMeasurementStatus(rawValue: RandomValues.uint16(&$0) & 0xFFE0) },
            deviceAndSensorStatus: RandomValues.optional(&rng) { PLXDeviceAndSensorStatus(rawValue: UInt32(RandomValues.uint16(&$0))) },
            pulseAmplitudeIndex: RandomValues.optional(&rng, RandomValues.sfloat))
    }
}

extension PLXFeatures: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        PLXFeatures(
            supported: Supported(rawValue: RandomValues.uint16(&rng) & Supported.defined),
            measurementStatusSupport: RandomValues.optional(&rng) { PLXMeasurementStatus(rawValue: RandomValues.uint16(&$0) & 0xFFE0) },
            deviceAndSensorStatusSupport: RandomValues.optional(&rng) { PLXDeviceAndSensorStatus(rawValue: UInt32(RandomValues.uint16(&$0))) })
    }
}

extension WeightMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        WeightMeasurement(
            units: Bool.random(using: &rng) ? .imperial : .si, weightSteps: RandomValues.uint16(&rng),
            timestamp: RandomValues.optionalDate(&rng), userID: RandomValues.optional(&rng, RandomValues.uint8),
            bmiAndHeight: RandomValues.optional(&rng) { .init(bmiTenths: RandomValues.uint16(&$0), heightSteps: RandomValues.uint16(&$0)) })
    }
}

extension BodyCompositionMeasurement: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        func maybe(_ rng: inout SeededGenerator) -> UInt16? { RandomValues.optional(&rng, RandomValues.uint16) }
        return BodyCompositionMeasurement(
            units: Bool.random(using: &rng) ? .imperial : .si, bodyFatTenthsPercent: RandomValues.uint16(&rng),
            timestamp: RandomValues.optionalDate(&rng), userID: RandomValues.optional(&rng, RandomValues.uint8),
            basalMetabolismKilojoules: maybe(&rng), muscleTenthsPercent: maybe(&rng), muscleMassSteps: maybe(&rng),
            fatFreeMassSteps: maybe(&rng), softLeanMassSteps: maybe(&rng), bodyWaterMassSteps: maybe(&rng),
            impedanceTenthsOhm: maybe(&rng), weightSteps: maybe(&rng), heightSteps: maybe(&rng))
    }
}

extension WeightScaleFeature: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        WeightScaleFeature(
            timeStampSupported: .random(using: &rng), multipleUsersSupported: .random(using: &rng), bmiSupported: .random(using: &rng),
            weightResolution: MassResolution(rawValue: .random(in: 0...7, using: &rng))!,
            heightResolution: HeightResolution(rawValue: .random(in: 0...3, using: &rng))!)
    }
}

extension BodyCompositionFeature: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        BodyCompositionFeature(
            supported: Supported(rawValue: RandomValues.uint32(&rng) & Supported.defined),
            massResolution: MassResolution(rawValue: .random(in: 0...7, using: &rng))!,
            heightResolution: HeightResolution(rawValue: .random(in: 0...3, using: &rng))!)
    }
}

extension SystemID: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self {
        SystemID(manufacturerIdentifier: .random(in: 0...0xFF_FFFF_FFFF, using: &rng), organizationallyUniqueIdentifier: .random(in: 0...0xFF_FFFF, using: &rng))
    }
}

extension BatteryLevel: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { BatteryLevel(percent: .random(in: 0...100, using: &rng)) }
}

extension DeviceInformationText: RandomCharacteristic {
    static func random(_ rng: inout SeededGenerator) -> Self { Self(text: RandomValues.text(&rng)) }
}
