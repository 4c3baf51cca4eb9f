import Foundation
import Testing
@testable import Gateway

/// Whose reading it is: User IDs on single- and multi-user devices, and a lent meter's memory at provisioning.
@Suite struct ReadingOwnerTests {
    @Test func userIDs() {
        // Single-user device (no user number provisioned): every index is the patient's, "unknown user" is not.
        #expect(ReadingOwner.notThePatients(userID: nil, patientIndex: nil) == nil)
        #expect(ReadingOwner.notThePatients(userID: 3, patientIndex: nil) == nil)
        #expect(ReadingOwner.notThePatients(userID: 0xFF, patientIndex: nil) == "unknown user")
        // Multi-user device: only the patient's index.
        #expect(ReadingOwner.notThePatients(userID: 2, patientIndex: 2) == nil)
        #expect(ReadingOwner.notThePatients(userID: 1, patientIndex: 2) == "another user (1)")
        #expect(ReadingOwner.notThePatients(userID: nil, patientIndex: 2) == "unknown user")
        #expect(ReadingOwner.notThePatients(userID: 0xFF, patientIndex: 255) == "unknown user")
        // To be registered on the device: nothing is the patient's yet.
        #expect(ReadingOwner.notThePatients(userID: 2, patientIndex: nil, registrationPending: true) == "another user (2)")
        #expect(ReadingOwner.notThePatients(userID: nil, patientIndex: nil, registrationPending: true) == "unknown user")
    }

    @Test func memoryAtProvisioning() {
        let provisioned = Date(timeIntervalSince1970: 1_800_000_000)
        func time(_ offset: TimeInterval, _ source: MeasurementTime.Source, note: String? = nil) -> MeasurementTime {
            MeasurementTime(instant: provisioned.addingTimeInterval(offset), source: source, note: note)
        }
        func apart(_ sequence: UInt16?, boundary: Int?, _ measured: MeasurementTime) -> Bool {
            ReadingOwner.inMemoryAtProvisioning(sequenceNumber: sequence, boundary: boundary, time: measured,
                                                provisionedAt: provisioned)
        }
        #expect(apart(42, boundary: 42, time(-180, .deviceClockCorrected)))
        #expect(apart(41, boundary: 42, time(60, .gatewayReceipt, note: "clock never set")))
        #expect(!apart(43, boundary: 42, time(-180, .deviceClockCorrected)))
        #expect(!apart(42, boundary: nil, time(-180, .deviceClockCorrected)))
        #expect(!apart(nil, boundary: 42, time(-180, .deviceClockCorrected)))
        // Measured after provisioning by its clock: between the pairing and the visit that found the boundary.
        #expect(!apart(42, boundary: 42, time(30, .deviceClockCorrected)))
        #expect(!apart(42, boundary: 42, time(30, .deviceClock)))
    }
}
