/// Status a device reports alongside a measurement, normalised across profiles.
///
/// Raw values are stable storage and wire keys. `makesReadingUnreliable` decides whether triage may act on
/// the value (an unreliable reading never raises red; the patient is asked for a control measurement).
public enum ReadingFlag: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    // Blood Pressure Measurement Status (0x2A35 / 0x2B34)
    case bodyMovement = "body-movement"
    case cuffTooLoose = "cuff-too-loose"
    case irregularPulse = "irregular-pulse"
    case pulseRateAboveUpperLimit = "pulse-rate-above-upper-limit"
    case pulseRateBelowLowerLimit = "pulse-rate-below-lower-limit"
    case improperMeasurementPosition = "improper-measurement-position"
    // PLX Measurement Status
    case measurementOngoing = "measurement-ongoing"
    case earlyEstimatedData = "early-estimated-data"
    case validatedData = "validated-data"
    case fullyQualifiedData = "fully-qualified-data"
    case dataFromMeasurementStorage = "data-from-measurement-storage"
    case dataForDemonstration = "data-for-demonstration"
    case dataForTesting = "data-for-testing"
    case calibrationOngoing = "calibration-ongoing"
    case measurementUnavailable = "measurement-unavailable"
    case questionableMeasurementDetected = "questionable-measurement-detected"
    case invalidMeasurementDetected = "invalid-measurement-detected"
    // PLX Device and Sensor Status
    case extendedDisplayUpdateOngoing = "extended-display-update-ongoing"
    case equipmentMalfunctionDetected = "equipment-malfunction-detected"
    case signalProcessingIrregularityDetected = "signal-processing-irregularity-detected"
    case inadequateSignalDetected = "inadequate-signal-detected"
    case poorSignalDetected = "poor-signal-detected"
    case lowPerfusionDetected = "low-perfusion-detected"
    case erraticSignalDetected = "erratic-signal-detected"
    case nonpulsatileSignalDetected = "nonpulsatile-signal-detected"
    case questionablePulseDetected = "questionable-pulse-detected"
    case signalAnalysisOngoing = "signal-analysis-ongoing"
    case sensorInterferenceDetected = "sensor-interference-detected"
    case sensorUnconnectedToUser = "sensor-unconnected-to-user"
    case unknownSensorConnected = "unknown-sensor-connected"
    case sensorDisplaced = "sensor-displaced"
    case sensorMalfunctioning = "sensor-malfunctioning"
    case sensorDisconnected = "sensor-disconnected"
    // Glucose Sensor Status Annunciation
    case deviceBatteryLow = "device-battery-low"
    case sensorMalfunction = "sensor-malfunction"
    case sampleSizeInsufficient = "sample-size-insufficient"
    case stripInsertionError = "strip-insertion-error"
    case stripTypeIncorrect = "strip-type-incorrect"
    case resultHigherThanDeviceCanProcess = "result-higher-than-device-can-process"
    case resultLowerThanDeviceCanProcess = "result-lower-than-device-can-process"
    case sensorTemperatureTooHigh = "sensor-temperature-too-high"
    case sensorTemperatureTooLow = "sensor-temperature-too-low"
    case sensorReadInterrupted = "sensor-read-interrupted"
    case generalDeviceFault = "general-device-fault"
    case timeFault = "time-fault"
    // Sample was control solution, not the patient (glucose type 10 / location 4): never a patient value.
    case controlSolution = "control-solution"
    // PLX Spot-Check "Device Clock is Not Set": the time stamp cannot be trusted, the value can.
    case deviceClockNotSet = "device-clock-not-set"
    // Set by the gateway, not the device:
    /// A value outside the physiologically possible range (`PlausibilityRanges`): a device error. The value is
    /// withheld (absent, reason `error`) and the decoded number kept for the technician only.
    case implausibleValue = "implausible-value"

    /// Whether the flag means the value itself cannot be trusted and a control measurement is needed.
    /// Clinical findings (irregular pulse, pulse out of the cuff's range, a result above the meter's range)
    /// are *not* unreliability: they are information for the nurse and may well be red.
    public var makesReadingUnreliable: Bool {
        switch self {
        case .bodyMovement, .cuffTooLoose, .improperMeasurementPosition,
             .measurementOngoing, .earlyEstimatedData, .dataForDemonstration, .dataForTesting, .calibrationOngoing,
             .measurementUnavailable, .questionableMeasurementDetected, .invalidMeasurementDetected,
             .equipmentMalfunctionDetected, .signalProcessingIrregularityDetected, .inadequateSignalDetected,
             .poorSignalDetected, .lowPerfusionDetected, .erraticSignalDetected, .nonpulsatileSignalDetected,
             .questionablePulseDetected, .sensorInterferenceDetected, .sensorUnconnectedToUser,
             .unknownSensorConnected, .sensorDisplaced, .sensorMalfunctioning, .sensorDisconnected,
             .sensorMalfunction, .sampleSizeInsufficient, .stripInsertionError, .stripTypeIncorrect,
             .sensorTemperatureTooHigh, .sensorTemperatureTooLow, .sensorReadInterrupted, .generalDeviceFault,
             .controlSolution, .implausibleValue:
            return true
        case .irregularPulse, .pulseRateAboveUpperLimit, .pulseRateBelowLowerLimit, .validatedData,
             .fullyQualifiedData, .dataFromMeasurementStorage, .extendedDisplayUpdateOngoing,
             .signalAnalysisOngoing, .deviceBatteryLow, .resultHigherThanDeviceCanProcess,
             .resultLowerThanDeviceCanProcess, .timeFault, .deviceClockNotSet:
            return false
        }
    }

    public static func < (lhs: ReadingFlag, rhs: ReadingFlag) -> Bool { lhs.rawValue < rhs.rawValue }
}
