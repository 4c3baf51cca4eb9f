/// Keys of `Reading.qualifiers`. Values are stable lower-case codes (or plain decimal text for numbers) so that
/// the store, triage and the FHIR mapping can rely on them; never rename one.
public enum ReadingQualifier {
    /// Body Temperature Measurement site, e.g. "armpit", "tympanum" (`TemperatureType.code`).
    public static let temperatureSite = "temperature-site"
    /// Glucose sample type, e.g. "capillary-whole-blood" (`GlucoseSampleType.code`).
    public static let glucoseSampleType = "glucose-sample-type"
    /// Glucose sample location, e.g. "finger" (`GlucoseSampleLocation.code`).
    public static let glucoseSampleLocation = "glucose-sample-location"
    /// Glucose concentration unit the device reported before conversion: "kg/L" or "mol/L".
    public static let glucoseDeviceUnit = "glucose-device-unit"
    /// Minutes the glucometer added to its base time (already applied to `deviceTime`).
    public static let glucoseTimeOffsetMinutes = "glucose-time-offset-minutes"
    /// Glucose context: meal relation, e.g. "preprandial" (`GlucoseMeal.code`).
    public static let meal = "meal"
    /// Glucose context: carbohydrate meal, e.g. "breakfast", and its amount in grams.
    public static let carbohydrate = "carbohydrate"
    public static let carbohydrateGrams = "carbohydrate-grams"
    /// Glucose context: who tested, e.g. "self" / "health-care-professional", and the patient's health state.
    public static let tester = "tester"
    public static let health = "health"
    /// Glucose context: exercise duration in seconds and intensity in percent.
    public static let exerciseDurationSeconds = "exercise-duration-seconds"
    public static let exerciseIntensityPercent = "exercise-intensity-percent"
    /// Glucose context: medication, e.g. "rapid-acting-insulin", with amount in milligrams or millilitres.
    public static let medication = "medication"
    public static let medicationMilligrams = "medication-milligrams"
    public static let medicationMillilitres = "medication-millilitres"
    /// Glucose context: HbA1c in percent.
    public static let hba1cPercent = "hba1c-percent"
    /// PLX continuous: fast- and slow-response averages next to the normal SpO2/pulse components.
    public static let spo2Fast = "spo2-fast"
    public static let pulseFast = "pulse-fast"
    public static let spo2Slow = "spo2-slow"
    public static let pulseSlow = "pulse-slow"
    /// PLX continuous, settled: the reading is the median of a window of samples (`ContinuousOximetrySettler`);
    /// the window's span from its first to its last sample in milliseconds (the reading's time is its end), and
    /// how many samples it held. The FHIR Observation states the window as its effectivePeriod.
    public static let settledWindowMilliseconds = "settled-window-ms"
    public static let settledSamples = "settled-samples"
    /// Where `deviceTime` came from when it is not the device's local wall clock: "utc" (Enhanced BP Time Stamp).
    public static let deviceTimeBase = "device-time-base"
    /// The values the gateway withheld as physiologically impossible, as decoded, for the technician only (never
    /// forwarded): "temperature 3.7e129 Cel".
    public static let implausibleValues = "implausible-values"
    /// Why the gateway kept the reading apart as measured before the device was provisioned for this patient (a
    /// lent device's memory of its previous user): stored for the technician, never triaged or forwarded.
    public static let beforeProvisioning = "before-provisioning"
    /// Why the gateway kept the reading apart as not the patient's for another reason ("another user (2)", "unknown
    /// user", "in memory at provisioning"): stored for the technician, never triaged or forwarded.
    public static let notThePatients = "not-the-patients"
    /// The device's measuring range (`MeasuringRange.qualifierText`, "20-600 mg/dL"), stamped by the gateway from the
    /// device profile on a reading whose value lies beyond it (LO / HI), so that every text names the bound.
    public static let measuringRange = "measuring-range"
}
