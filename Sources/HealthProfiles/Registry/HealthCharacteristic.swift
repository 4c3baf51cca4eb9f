/// One characteristic value type the gateway understands: its assigned number, how its bytes decode (with
/// errors that name the field), how it encodes (for the simulator and round-trip tests), the normalised readings
/// it yields and how a technician sees it.
///
/// Every type in `CharacteristicRegistry` conforms, so dispatch, `DecodedCharacteristic`, the gateway's frame
/// interpreter and `dhoctl decode` need no switch over characteristics. The non-measurement ones (features,
/// Date Time / Current Time, Record Access Control Point responses, Device Information, Battery Level) conform
/// too, with no readings: they are decoded through the same path; their specific uses (setting a clock, a record
/// transfer) stay in the code that needs them.
public protocol HealthCharacteristic: Sendable, Hashable, Encodable {
    /// The characteristic this type is the value of.
    static var characteristic: GATTCharacteristic { get }

    static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> Self

    /// The wire form (what a device sends).
    func encoded() throws(EncodeError) -> [UInt8]

    /// The readings this one frame stands for on its own. Empty (the default) for features, control-point
    /// responses, live progress (intermediate cuff pressure / temperature) and for values that only make sense
    /// paired (a glucose context: `GlucoseRecordAssembler`; a split body-composition half:
    /// `BodyCompositionAssembler`).
    var frameReadings: [Reading] { get }

    /// For a value with no readings of its own, what becomes of it, as `dhoctl decode` explains it
    /// (nil, the default: nothing to say, e.g. a feature).
    var whyNoReadings: String? { get }

    /// What `dhoctl decode` prints and encodes as "value" (default: the value itself); a wrapper around one
    /// plain value (a string, a percentage) shows just that value.
    var shownValue: any Encodable { get }
}

extension HealthCharacteristic {
    public var frameReadings: [Reading] { [] }
    public var whyNoReadings: String? { nil }
    public var shownValue: any Encodable { self }
}
