/// What an Omron cuff or scale says about itself in its advertisements: manufacturer data under Omron Healthcare's
/// company identifier 0x020E, data type 0x01 ("each user data"), whether it is in pairing mode (the blinking "P"
/// after holding its Bluetooth button) or transfer mode, and per user slot its last record's sequence number and how
/// many records it holds.
///
/// Layout (StanfordSpezi/SpeziDevices Sources/SpeziOmron/Model/OmronManufacturerData.swift; the same constants in
/// OmronKit's OHQConstants.h, from Omron's SDK): data type uint8 (0x01) | flags uint8 | per user: sequence number
/// uint16 LE, number of records uint8. Flags: bits 0-1 number of users − 1, bit 2 time not set, bit 3 pairing mode,
/// bit 4 streaming, bit 5 Bluetooth standard services. The company identifier is the dictionary key bluetoothd gives.
public struct OmronAdvertisement: Sendable, Hashable {
    public static let company: UInt16 = 0x020E
    static let eachUserData: UInt8 = 0x01
    static let displayName = "Omron manufacturer data (0x020E)"

    public struct UserSlot: Sendable, Hashable {
        /// 1-based, as the cuff's user button counts.
        public var user: Int
        public var sequenceNumber: UInt16
        public var records: UInt8

        public init(user: Int, sequenceNumber: UInt16, records: UInt8) {
            self.user = user
            self.sequenceNumber = sequenceNumber
            self.records = records
        }
    }

    enum Flag {
        static let users: UInt8 = 0x03
        static let timeNotSet: UInt8 = 1 << 2
        static let pairingMode: UInt8 = 1 << 3
    }

    public var pairingMode: Bool
    public var timeSet: Bool
    public var users: [UserSlot]

    public init(pairingMode: Bool, timeSet: Bool = true, users: [UserSlot]) {
        self.pairingMode = pairingMode
        self.timeSet = timeSet
        self.users = users
    }

    /// The Omron state in `data`; nil when it carries no Omron manufacturer data or data of another type.
    public static func decode(_ data: AdvertisedData) throws(DecodeError) -> OmronAdvertisement? {
        guard let bytes = data.manufacturerData[company] else { return nil }
        var reader = ByteReader(bytes, characteristic: displayName)
        guard try reader.uint8("Data Type") == eachUserData else { return nil }
        let flags = try reader.uint8("Flags")
        var users: [UserSlot] = []
        for user in 1...Int(flags & Flag.users) + 1 {
            users.append(UserSlot(user: user, sequenceNumber: try reader.uint16("Sequence Number"), records: try reader.uint8("Number of Records")))
        }
        // Newer models may append fields: what follows the user slots is not read.
        return OmronAdvertisement(pairingMode: flags & Flag.pairingMode != 0, timeSet: flags & Flag.timeNotSet == 0, users: users)
    }

    /// The manufacturer data the device sends (simulator, tests); 1 to 4 user slots.
    public var encoded: AdvertisedData {
        var flags = UInt8(max(1, min(4, users.count)) - 1) | 1 << 5
        if pairingMode { flags |= Flag.pairingMode }
        if !timeSet { flags |= Flag.timeNotSet }
        let slots = users.prefix(4).flatMap { [UInt8($0.sequenceNumber & 0xFF), UInt8($0.sequenceNumber >> 8), $0.records] }
        return AdvertisedData(manufacturerData: [Self.company: [Self.eachUserData, flags] + slots])
    }

    /// How many records the device holds for `user`; nil when it has no such slot.
    public func records(forUser user: Int) -> Int? {
        users.first { $0.user == user }.map { Int($0.records) }
    }

    /// For the technician: "pairing mode" or "transfer mode, records: user 1: 2, user 2: 0".
    public var summary: String {
        let mode = pairingMode ? "pairing mode" : "transfer mode"
        return "\(mode), records: " + users.map { "user \($0.user): \($0.records)" }.joined(separator: ", ")
    }
}
