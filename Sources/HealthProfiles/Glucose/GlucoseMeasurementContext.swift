/// Glucose Measurement Context (0x2A34): what the patient ate, did or took around a glucose measurement.
///
/// Layout: Flags uint8 | Sequence Number uint16 | Extended Flags uint8 (bit 7, all bits reserved) |
/// Carbohydrate ID uint8 + Carbohydrate SFLOAT kg (bit 0) | Meal uint8 (bit 1) | Tester-Health uint8 (bit 2) |
/// Exercise Duration uint16 s + Exercise Intensity uint8 % (bit 3) | Medication ID uint8 + Medication SFLOAT
/// (bit 4; kg, or litres when bit 5) | HbA1c SFLOAT % (bit 6).
public struct GlucoseMeasurementContext: Sendable, Hashable, Codable {
    public struct Carbohydrate: Sendable, Hashable, Codable {
        public var id: GlucoseCarbohydrate
        public var kilograms: MedicalFloat
        public init(id: GlucoseCarbohydrate, kilograms: MedicalFloat) {
            self.id = id
            self.kilograms = kilograms
        }
    }

    public struct TesterHealth: Sendable, Hashable, Codable {
        public var tester: GlucoseTester
        public var health: GlucoseHealth
        public init(tester: GlucoseTester, health: GlucoseHealth) {
            self.tester = tester
            self.health = health
        }
    }

    public struct Exercise: Sendable, Hashable, Codable {
        /// Seconds; 65535 means "overrun" (longer than can be expressed).
        public var durationSeconds: UInt16
        public var intensityPercent: UInt8
        public init(durationSeconds: UInt16, intensityPercent: UInt8) {
            self.durationSeconds = durationSeconds
            self.intensityPercent = intensityPercent
        }
    }

    public struct Medication: Sendable, Hashable, Codable {
        public var id: GlucoseMedication
        public var amount: MedicalFloat
        public init(id: GlucoseMedication, amount: MedicalFloat) {
            self.id = id
            self.amount = amount
        }
    }

    public var sequenceNumber: UInt16
    /// Present (and necessarily 0) when the device sets Flags bit 7.
    public var extendedFlags: UInt8?
    public var carbohydrate: Carbohydrate?
    public var meal: GlucoseMeal?
    public var testerHealth: TesterHealth?
    public var exercise: Exercise?
    /// Flags bit 5; kept even without medication so that the frame re-encodes byte for byte.
    public var medicationUnit: GlucoseMedicationUnit
    public var medication: Medication?
    public var hba1c: MedicalFloat?

    public init(
        sequenceNumber: UInt16, extendedFlags: UInt8? = nil, carbohydrate: Carbohydrate? = nil, meal: GlucoseMeal? = nil,
        testerHealth: TesterHealth? = nil, exercise: Exercise? = nil, medicationUnit: GlucoseMedicationUnit = .kilograms,
        medication: Medication? = nil, hba1c: MedicalFloat? = nil
    ) {
        self.sequenceNumber = sequenceNumber
        self.extendedFlags = extendedFlags
        self.carbohydrate = carbohydrate
        self.meal = meal
        self.testerHealth = testerHealth
        self.exercise = exercise
        self.medicationUnit = medicationUnit
        self.medication = medication
        self.hba1c = hba1c
    }

    enum Flag {
        static let carbohydrate: UInt8 = 1 << 0
        static let meal: UInt8 = 1 << 1
        static let testerHealth: UInt8 = 1 << 2
        static let exercise: UInt8 = 1 << 3
        static let medication: UInt8 = 1 << 4
        static let medicationInLitres: UInt8 = 1 << 5
        static let hba1c: UInt8 = 1 << 6
        static let extendedFlags: UInt8 = 1 << 7
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> GlucoseMeasurementContext {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.glucoseMeasurementContext.displayName)
        let flags = try reader.uint8("Flags")
        let sequence = try reader.uint16("Sequence Number")
        var extended: UInt8?
        if flags & Flag.extendedFlags != 0 {
            let raw = try reader.uint8("Extended Flags")
            // Every extended flag is reserved: a set bit announces fields this layout does not know.
            try reader.checkReserved(UInt32(raw), allowed: 0, field: "Extended Flags")
            extended = raw
        }
        var carbohydrate: Carbohydrate?
        if flags & Flag.carbohydrate != 0 {
            let id = try reader.code(try reader.uint8("Carbohydrate ID"), GlucoseCarbohydrate.self, "Carbohydrate ID")
            carbohydrate = Carbohydrate(id: id, kilograms: try reader.sfloat("Carbohydrate"))
        }
        let meal = flags & Flag.meal != 0 ? try reader.code(try reader.uint8("Meal"), GlucoseMeal.self, "Meal") : nil
        var testerHealth: TesterHealth?
        if flags & Flag.testerHealth != 0 {
            let raw = try reader.uint8("Tester-Health")
            testerHealth = TesterHealth(
                tester: try reader.code(raw & 0x0F, GlucoseTester.self, "Tester-Health.Tester"),
                health: try reader.code(raw >> 4, GlucoseHealth.self, "Tester-Health.Health"))
        }
        var exercise: Exercise?
        if flags & Flag.exercise != 0 {
            let duration = try reader.uint16("Exercise Duration")
            let intensity = try reader.uint8("Exercise Intensity")
            guard intensity <= 100 else { throw reader.invalid("Exercise Intensity", "\(intensity) % exceeds 100 %") }
            exercise = Exercise(durationSeconds: duration, intensityPercent: intensity)
        }
        var medication: Medication?
        if flags & Flag.medication != 0 {
            let id = try reader.code(try reader.uint8("Medication ID"), GlucoseMedication.self, "Medication ID")
            medication = Medication(id: id, amount: try reader.sfloat("Medication"))
        }
        let hba1c = flags & Flag.hba1c != 0 ? try reader.sfloat("HbA1c") : nil
        try reader.expectEnd()
        return GlucoseMeasurementContext(
            sequenceNumber: sequence, extendedFlags: extended, carbohydrate: carbohydrate, meal: meal,
            testerHealth: testerHealth, exercise: exercise,
            medicationUnit: flags & Flag.medicationInLitres != 0 ? .litres : .kilograms, medication: medication,
            hba1c: hba1c)
    }

    /// Qualifiers added to the paired glucose reading; amounts are converted to g, mg and mL.
    public var qualifiers: [String: String] {
        var result: [String: String] = [:]
        if let carbohydrate {
            result[ReadingQualifier.carbohydrate] = carbohydrate.id.code
            result[ReadingQualifier.carbohydrateGrams] = Self.text(carbohydrate.kilograms, scaledBy: 3)
        }
        if let meal { result[ReadingQualifier.meal] = meal.code }
        if let testerHealth {
            result[ReadingQualifier.tester] = testerHealth.tester.code
            result[ReadingQualifier.health] = testerHealth.health.code
        }
        if let exercise {
            result[ReadingQualifier.exerciseDurationSeconds] = String(exercise.durationSeconds)
            result[ReadingQualifier.exerciseIntensityPercent] = String(exercise.intensityPercent)
        }
        if let medication {
            result[ReadingQualifier.medication] = medication.id.code
            switch medicationUnit {
            case .kilograms: result[ReadingQualifier.medicationMilligrams] = Self.text(medication.amount, scaledBy: 6)
            case .litres: result[ReadingQualifier.medicationMillilitres] = Self.text(medication.amount, scaledBy: 3)
            }
        }
        if let hba1c { result[ReadingQualifier.hba1cPercent] = hba1c.description }
        return result
    }

    private static func text(_ value: MedicalFloat, scaledBy power: Int) -> String {
        value.number.map { $0.scaled(byPowerOfTen: power).description } ?? value.description
    }
}

extension GATTCharacteristic {
    public static let glucoseMeasurementContext = GATTCharacteristic(
        0x2A34, "Glucose Measurement Context", access: .notify, services: [.glucose])
}

extension GlucoseMeasurementContext: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .glucoseMeasurementContext }
    public var whyNoReadings: String? { "context: joined to the glucose record with the same sequence number" }
}
