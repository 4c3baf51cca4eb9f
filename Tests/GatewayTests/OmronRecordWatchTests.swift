import DeviceProfiles
import Foundation
@testable import Gateway
import HealthProfiles
import ReadingStore
import Testing

/// When an Omron cuff's records for the patient went to another central than the hub (`OmronRecordWatch`).
@Suite struct OmronRecordWatchTests {
    /// A watch that has seen the slot at `sequence` with nothing waiting and nothing received.
    static func watching(from sequence: UInt16) -> OmronRecordWatch {
        var watch = OmronRecordWatch()
        #expect(watch.advertised(sequence: sequence, records: 0, received: 0) == nil)
        return watch
    }

    @Test func recordsTheHubCollectsAreNoLoss() {
        var watch = Self.watching(from: 10)
        #expect(watch.advertised(sequence: 12, records: 2, received: 0) == nil)
        #expect(watch.visitEnded(received: 2) == nil)
        // The cuff counts nothing waiting any more: every record it numbered reached the hub.
        #expect(watch.advertised(sequence: 12, records: 0, received: 2) == nil)
        #expect(watch.advertised(sequence: 13, records: 1, received: 2) == nil)
        #expect(!watch.episodeRunning)
    }

    @Test func aSequenceThatAdvancedBeyondWhatTheHubGotIsAnEpisode() {
        var watch = Self.watching(from: 10)
        // Two measured, collected by the phone: the cuff counts none waiting.
        #expect(watch.advertised(sequence: 12, records: 0, received: 0) == .takenElsewhere(2))
        // The same state advertised again is the same episode, nothing more lost.
        #expect(watch.advertised(sequence: 12, records: 0, received: 0) == nil)
        // One more measured, the phone took it too, then one the hub may still get.
        #expect(watch.advertised(sequence: 14, records: 1, received: 0) == .takenElsewhere(1))
        #expect(watch.episodeRunning)
        // The hub gets the waiting record: every record is accounted again, the episode ends.
        #expect(watch.visitEnded(received: 1) == .complete)
        #expect(!watch.episodeRunning)
        #expect(watch.advertised(sequence: 15, records: 1, received: 1) == nil)
    }

    @Test func aRecordCountDroppingWithoutAVisitIsAnEpisode() {
        var watch = Self.watching(from: 3)
        #expect(watch.advertised(sequence: 5, records: 2, received: 0) == nil)
        #expect(watch.advertised(sequence: 5, records: 0, received: 0) == .takenElsewhere(2))
    }

    @Test func anEpisodeEndsOnlyWhenTheHubReceivedSomethingAgain() {
        var watch = Self.watching(from: 0)
        #expect(watch.advertised(sequence: 1, records: 0, received: 0) == .takenElsewhere(1))
        // Nothing new measured, nothing received: still missing.
        #expect(watch.visitEnded(received: 0) == nil)
        #expect(watch.advertised(sequence: 1, records: 0, received: 0) == nil)
        #expect(watch.episodeRunning)
        #expect(watch.advertised(sequence: 2, records: 1, received: 0) == nil)
        #expect(watch.visitEnded(received: 1) == .complete)
    }

    @Test func aCuffThatSendsOldRecordsAgainProvesNothingLost() {
        var watch = Self.watching(from: 20)
        #expect(watch.advertised(sequence: 21, records: 1, received: 0) == nil)
        // The cuff sent its whole memory (five records) for the one new.
        #expect(watch.visitEnded(received: 5) == nil)
        #expect(watch.advertised(sequence: 22, records: 1, received: 5) == nil)
        #expect(watch.visitEnded(received: 6) == nil)
        #expect(watch.advertised(sequence: 22, records: 0, received: 6) == nil)
    }

    @Test func numberingThatRestartsOrWrapsIsNoLoss() {
        var watch = Self.watching(from: 500)
        // A reset cuff numbers from 1 again: the accounting starts anew.
        #expect(watch.advertised(sequence: 1, records: 1, received: 0) == nil)
        #expect(watch.visitEnded(received: 1) == nil)
        #expect(watch.advertised(sequence: 1, records: 0, received: 1) == nil)
        // Sequence numbers wrap at 16 bits.
        var wrapping = Self.watching(from: 0xFFFF)
        #expect(wrapping.advertised(sequence: 1, records: 2, received: 0) == nil)
        #expect(wrapping.advertised(sequence: 1, records: 0, received: 0) == .takenElsewhere(2))
    }

    @Test func aRestoredWatchGoesOnWhereItStood() {
        var watch = Self.watching(from: 10)
        #expect(watch.advertised(sequence: 12, records: 0, received: 0) == .takenElsewhere(2))
        let saved = try! #require(watch.snapshot)
        #expect(saved == .init(accounted: 12, advertised: 12, episodeRecords: 2))
        // A new daemon has received nothing yet: the episode stands, and ends when the hub gets the next record.
        var restored = OmronRecordWatch(restoring: saved)
        #expect(restored.episodeRunning && restored.takenInEpisode == 2)
        #expect(restored.visitEnded(received: 0) == nil)
        #expect(restored.advertised(sequence: 14, records: 1, received: 0) == .takenElsewhere(1))
        #expect(restored.takenInEpisode == 3)
        #expect(restored.visitEnded(received: 1) == .complete)
        #expect(restored.snapshot == .init(accounted: 14, advertised: 14, episodeRecords: nil))
        #expect(OmronRecordWatch().snapshot == nil)
    }

    @Test func theRegistryKeepsTheAccountingOfAProvisionedCuffOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ReadingStore.open(
            StoreConfiguration(path: directory.appendingPathComponent("g.sqlite").path), migrations: DeviceRegistry.migrations)
        defer { try? store.close() }
        let registry = DeviceRegistry(store: store)
        let cuff = "28:FF:B2:00:00:21", now = Date(timeIntervalSince1970: 1_800_000_000)
        let saved = OmronRecordWatch.Snapshot(accounted: 0xFFFE, advertised: 0xFFFF, episodeRecords: 1)
        try await registry.provision(address: cuff, profile: "omron-blood-pressure", name: nil, userIndex: 1, by: "tech", at: now)
        let first = try #require(await registry.device(address: cuff))
        try await registry.saveRecordWatch(of: first, saved)
        #expect(try await registry.recordWatch(address: cuff) == saved)
        // Provisioned anew (another user slot): the accounting starts afresh, and a late save of the old one is dropped.
        try await registry.provision(address: cuff, profile: "omron-blood-pressure", name: nil, userIndex: 2, by: "tech",
                                     at: now.addingTimeInterval(60))
        #expect(try await registry.recordWatch(address: cuff) == nil)
        try await registry.saveRecordWatch(of: first, saved)
        #expect(try await registry.recordWatch(address: cuff) == nil)
        // Forgotten: nothing is kept, nor saved afterwards.
        let second = try #require(await registry.device(address: cuff))
        try await registry.saveRecordWatch(of: second, saved)
        #expect(try await registry.recordWatch(address: cuff) == saved)
        try await registry.forget(address: cuff)
        #expect(try await registry.recordWatch(address: cuff) == nil)
        try await registry.saveRecordWatch(of: second, saved)
        #expect(try await registry.recordWatch(address: cuff) == nil)
    }

    @Test func onlyThePatientsSlotInTransferModeIsWatched() {
        let state = OmronAdvertisement(pairingMode: false, users: [.init(user: 1, sequenceNumber: 4, records: 1),
                                                                   .init(user: 2, sequenceNumber: 9, records: 3)])
        #expect(OmronRecordWatch.patientSlot(.omron, state.encoded, userIndex: 2)?.sequenceNumber == 9)
        #expect(OmronRecordWatch.patientSlot(.omron, state.encoded, userIndex: nil)?.sequenceNumber == 4)
        #expect(OmronRecordWatch.patientSlot(.omron, state.encoded, userIndex: 3) == nil)
        #expect(OmronRecordWatch.patientSlot(nil, state.encoded, userIndex: 1) == nil)
        var pairing = state
        pairing.pairingMode = true
        #expect(OmronRecordWatch.patientSlot(.omron, pairing.encoded, userIndex: 1) == nil)
    }

    @Test func theMessageNamesTheDeviceAndSaysWhatToDo() {
        let message = OmronRecordWatch.takenElsewhereMessage(address: "28:FF:B2:00:00:21", name: "BLEsmart_00000116", user: 1, records: 2)
        #expect(message.hasPrefix("device 28:FF:B2:00:00:21 (BLEsmart_00000116) handed 2 record(s) of user 1"))
        #expect(message.contains("Remove the cuff from the other phone's app (OMRON connect), or pair the cuff only with the hub"))
    }

    @Test func onlyReadingsOfThePatientsSlotAreCounted() {
        #expect(DeviceFrameProcessor.isFromPatientSlot(2, patientIndex: 2))
        #expect(!DeviceFrameProcessor.isFromPatientSlot(1, patientIndex: 2))
        #expect(!DeviceFrameProcessor.isFromPatientSlot(nil, patientIndex: 2))
        #expect(DeviceFrameProcessor.isFromPatientSlot(nil, patientIndex: nil))
        #expect(DeviceFrameProcessor.isFromPatientSlot(1, patientIndex: nil))
        #expect(!DeviceFrameProcessor.isFromPatientSlot(0xFF, patientIndex: nil))
    }
}
