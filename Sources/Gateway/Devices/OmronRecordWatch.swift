import DeviceProfiles
import HealthProfiles

/// Notices that an Omron cuff handed the patient's records to another central than the hub — the patient's own
/// phone running OMRON connect, still bonded to the cuff — so that the centre does not silently miss readings.
///
/// What the sources say:
/// - The cuff's manufacturer data (0x020E) carries per user slot the current record *sequence number* and the number
///   of records it holds for transfer (SpeziDevices, Sources/SpeziOmron/Model/OmronManufacturerData.swift: "the
///   current record sequence number", "the amount of records currently stored"). The sequence number counts every
///   measurement of the slot; the record count is what no central has collected yet (the hub's gate already visits
///   only when it is above zero: `AdvertisedVisitGate`).
/// - That count is one per user slot, not one per bonded central: omblepy (userx14/omblepy sharedDriver.py,
///   `resetUnreadRecordsCounter`, `--newRecOnly`) reads the slot's "unread records" counter and resets it after a
///   read, for every host alike. Whoever collects first takes the records; the others are never offered them.
/// - The phone app does keep collecting when it stays bonded: hass-omron (eigger/hass-omron docs/troubleshooting.md,
///   "the phone app takes the pairing over"; issues #69, #132: readings once transferred to one app are not offered
///   to the other).
///
/// The rule: the hub accounts for the slot's sequence numbers up to a point; every record it receives from the slot
/// moves that point by one (never past the cuff's sequence number: a cuff that sends old records again proves nothing
/// lost). On an advertisement, the records numbered after that point are either still waiting in the cuff (its
/// record count) or were taken by someone else: more numbered than waiting is an episode. It ends when the hub
/// has again received every record the cuff numbered. A sequence number that goes backwards (cuff reset, another
/// cuff under the address) starts the accounting anew, without an alert.
struct OmronRecordWatch: Sendable, Equatable {
    enum Event: Equatable {
        /// This many more records of the slot went to another central (the episode starts, or goes on).
        case takenElsewhere(Int)
        /// The hub has again received every record of the slot: the episode is over.
        case complete
    }

    /// The slot's sequence number up to which every record is accounted for (received by the hub or known lost).
    private var accounted: UInt16?
    /// The hub's count of records received from the slot (`receivedFromSlot`) when `accounted` was last moved.
    private var receivedAtAccounted = 0
    /// The slot's sequence number in the latest advertisement.
    private var advertisedSequence: UInt16?
    /// The hub's count when the current episode started; nil when none runs.
    private var episodeStartedAt: Int?
    /// How many records went elsewhere in the current episode.
    private(set) var takenInEpisode = 0

    var episodeRunning: Bool { episodeStartedAt != nil }

    /// What is kept across restarts (`DeviceRegistry.saveRecordWatch`): the hub's count of received records starts
    /// at zero with the daemon, so it is not part of it.
    struct Snapshot: Sendable, Equatable {
        var accounted: UInt16
        var advertised: UInt16?
        /// Records taken elsewhere in the running episode; nil when none runs.
        var episodeRecords: Int?
    }

    /// nil until the watch has seen the slot.
    var snapshot: Snapshot? {
        accounted.map { Snapshot(accounted: $0, advertised: advertisedSequence, episodeRecords: episodeRunning ? takenInEpisode : nil) }
    }

    init() {}

    /// The watch as saved, in a daemon that has received nothing yet.
    init(restoring snapshot: Snapshot) {
        accounted = snapshot.accounted
        advertisedSequence = snapshot.advertised
        if let records = snapshot.episodeRecords {
            episodeStartedAt = 0
            takenInEpisode = records
        }
    }

    /// An advertisement in transfer mode: the patient's slot shows `sequence` and holds `records` for transfer; the hub
    /// has received `received` records from the slot since the daemon started.
    mutating func advertised(sequence: UInt16, records: Int, received: Int) -> Event? {
        advertisedSequence = sequence
        guard let unaccounted = account(upTo: sequence, received: received) else {
            accounted = sequence &- UInt16(clamping: records)
            return nil
        }
        if unaccounted > records {
            accounted = sequence &- UInt16(clamping: records)
            if episodeStartedAt == nil { episodeStartedAt = received }
            takenInEpisode += unaccounted - records
            return .takenElsewhere(unaccounted - records)
        }
        return completion(unaccounted: unaccounted, received: received)
    }

    /// A visit ended well: the records the hub received are accounted against the latest advertisement.
    mutating func visitEnded(received: Int) -> Event? {
        guard let sequence = advertisedSequence, let unaccounted = account(upTo: sequence, received: received) else { return nil }
        return completion(unaccounted: unaccounted, received: received)
    }

    /// Moves the accounted point by the records received since it was last moved (never past `sequence`); how many
    /// numbered records remain unaccounted, nil when nothing was accounted yet or the numbering went backwards.
    private mutating func account(upTo sequence: UInt16, received: Int) -> Int? {
        defer { receivedAtAccounted = received }
        guard let accounted else { return nil }
        // Signed distance: a sequence number below the accounted point means the numbering restarted.
        let numbered = Int(Int16(bitPattern: sequence &- accounted))
        guard numbered >= 0 else { return nil }
        let taken = min(max(received - receivedAtAccounted, 0), numbered)
        self.accounted = accounted &+ UInt16(taken)
        return numbered - taken
    }

    private mutating func completion(unaccounted: Int, received: Int) -> Event? {
        guard let started = episodeStartedAt, unaccounted == 0, received > started else { return nil }
        episodeStartedAt = nil
        takenInEpisode = 0
        return .complete
    }
}

extension OmronRecordWatch {
    /// The patient's user slot as the advertisement shows it in transfer mode; nil for another format, pairing mode
    /// (its counts say nothing about transfers) or a slot the cuff does not have.
    static func patientSlot(_ format: AdvertisedState?, _ data: AdvertisedData, userIndex: Int?) -> OmronAdvertisement.UserSlot? {
        guard format == .omron, let state = try? OmronAdvertisement.decode(data), !state.pairingMode else { return nil }
        return state.users.first { $0.user == (userIndex ?? 1) }
    }

    /// For the technician: names the device (never the patient) and says what to do.
    static func takenElsewhereMessage(address: String, name: String?, user: Int, records: Int) -> String {
        "device \(address)\(name.map { " (\($0))" } ?? "") handed \(records) record(s) of user \(user) to another phone "
            + "or app it is also bonded to, not to the hub: the centre did not get them. Remove the cuff from the other "
            + "phone's app (OMRON connect), or pair the cuff only with the hub"
    }
}
