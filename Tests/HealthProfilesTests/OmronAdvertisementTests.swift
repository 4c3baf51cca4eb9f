import Testing
@testable import HealthProfiles

/// Omron's advertised state (layout: SpeziOmron's OmronManufacturerData, OmronKit's OHQConstants.h).
@Suite struct OmronAdvertisementTests {
    static func data(_ hex: String) -> AdvertisedData { AdvertisedData(manufacturerData: [0x020E: HealthProfilesTests.hex(hex)]) }

    @Test func transferModeWithTwoUsers() throws {
        // Type 0x01, flags 0x21 (two users, standard services), user 1: sequence 3 with 2 records, user 2: none.
        let state = try #require(try OmronAdvertisement.decode(Self.data("01 21 0300 02 0000 00")))
        #expect(!state.pairingMode && state.timeSet)
        #expect(state.users == [.init(user: 1, sequenceNumber: 3, records: 2), .init(user: 2, sequenceNumber: 0, records: 0)])
        #expect(state.records(forUser: 1) == 2 && state.records(forUser: 2) == 0 && state.records(forUser: 3) == nil)
        #expect(state.summary == "transfer mode, records: user 1: 2, user 2: 0")
        #expect(state.encoded == Self.data("01 21 0300 02 0000 00"))
    }

    @Test func pairingModeAndClockNotSet() throws {
        let state = try #require(try OmronAdvertisement.decode(Self.data("01 2C 0000 00")))
        #expect(state.pairingMode && !state.timeSet && state.users.count == 1)
        #expect(state.summary.hasPrefix("pairing mode"))
    }

    @Test func otherDataIsNoStateAndTruncatedDataAnError() throws {
        #expect(try OmronAdvertisement.decode(AdvertisedData(manufacturerData: [0x004C: [0x02, 0x15]])) == nil)
        #expect(try OmronAdvertisement.decode(Self.data("02 21")) == nil)
        #expect(throws: DecodeError.truncated(characteristic: "Omron manufacturer data (0x020E)", field: "Number of Records",
                                              needed: 1, available: 0)) {
            try OmronAdvertisement.decode(Self.data("01 21 0300 02 0000"))
        }
    }
}
