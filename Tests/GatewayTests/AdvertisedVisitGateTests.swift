import DeviceProfiles
@testable import Gateway
import HealthProfiles
import Testing

/// Which Omron advertisements are a reason to visit the cuff (`AdvertisedVisitGate`).
@Suite struct AdvertisedVisitGateTests {
    static func omron(pairing: Bool = false, _ records: [UInt8]) -> AdvertisedData {
        OmronAdvertisement(pairingMode: pairing, users: records.enumerated().map {
            .init(user: $0.offset + 1, sequenceNumber: UInt16($0.element), records: $0.element)
        }).encoded
    }

    @Test func onlyRecordsInThePatientsSlotCallForAVisit() {
        #expect(AdvertisedVisitGate.decide(.omron, Self.omron([2, 0]), userIndex: 1).0 == .visit)
        #expect(AdvertisedVisitGate.decide(.omron, Self.omron([2, 0]), userIndex: 2).0
            == .wait("no records for user 2 (transfer mode, records: user 1: 2, user 2: 0)"))
        #expect(AdvertisedVisitGate.decide(.omron, Self.omron([2]), userIndex: 3).0 == .wait("no records for user 3 (transfer mode, records: user 1: 2)"))
        // A single-user provisioning is slot 1.
        #expect(AdvertisedVisitGate.decide(.omron, Self.omron([0, 4]), userIndex: nil).0 != .visit)
        #expect(AdvertisedVisitGate.decide(.omron, Self.omron(pairing: true, [5]), userIndex: 1).0
            == .pairingMode("pairing mode, records: user 1: 5"))
    }

    @Test func noReadableStateMeansVisitAsAlways() {
        #expect(AdvertisedVisitGate.decide(nil, Self.omron([0]), userIndex: 1).0 == .visit)
        #expect(AdvertisedVisitGate.decide(.omron, AdvertisedData(), userIndex: 1) == (.visit, nil))
        #expect(AdvertisedVisitGate.decide(.omron, AdvertisedData(manufacturerData: [0x020E: [0x01]]), userIndex: 1) == (.visit, nil))
    }
}
