/// Decodes the advertisements of one model of broadcast-only device (a consumer scale that never accepts a
/// connection): pure functions from the advertised bytes to weighings, and back for the simulator and tests.
public protocol BroadcastCodec: Sendable {
    /// The name device profiles use (`broadcast.codec`), e.g. "xiaomi-mi-scale-2".
    static var name: String { get }
    static var displayName: String { get }
    /// Stands for the characteristic number in the readings it yields (`Reading.characteristic`, part of their
    /// identity): the service UUID of its service data, or a number naming its manufacturer data.
    static var readingSource: UInt16 { get }
    /// Whether the device's weighings carry the scale's own time (their identity across repeats); without one
    /// the gateway takes the same value within the profile's settle window as the same weighing.
    static var stampsWeighings: Bool { get }
    /// The model's weighings in `data`; empty when the advertisement carries none of its data (an RSSI update,
    /// another advertising set). A frame of the model that does not decode is a `DecodeError`.
    static func weighings(in data: AdvertisedData) throws(DecodeError) -> [BroadcastWeighing]
    /// The advertisement the device sends for `weighing` (simulator, tests).
    static func advertisement(for weighing: BroadcastWeighing) throws(EncodeError) -> AdvertisedData
}

/// Every broadcast codec, by profile name.
public enum BroadcastCodecs {
    public static let all: [any BroadcastCodec.Type] = [
        XiaomiMiScale2.self, XiaomiBodyCompositionScale2.self, OKOKScale.self,
    ]

    public static func codec(named name: String) -> (any BroadcastCodec.Type)? {
        all.first { $0.name == name }
    }

    public static var names: [String] { all.map { $0.name } }
}

extension BroadcastCodec {
    /// `weighing.weight / resolution` as a 16-bit field, when exact (encoders only).
    static func steps(_ weighing: BroadcastWeighing, resolution: DecimalNumber, field: String) throws(EncodeError) -> UInt16 {
        guard let steps = MeasurementSystem.steps(weighing.weight, resolution: resolution) else {
            throw .outOfRange(characteristic: displayName, field: field, value: weighing.weight.description)
        }
        return steps
    }

    /// The scale's time stamp as year (little-endian), month, day, hours, minutes, seconds (encoders only).
    static func timestampBytes(_ time: DeviceDateTime?) throws(EncodeError) -> [UInt8] {
        guard let time, let year = time.year, let month = time.month, let day = time.day, let year16 = UInt16(exactly: year) else {
            throw .inconsistent(characteristic: displayName, detail: "the scale stamps every weighing with a complete date")
        }
        return [UInt8(year16 & 0xFF), UInt8(year16 >> 8), UInt8(month), UInt8(day), UInt8(time.hours), UInt8(time.minutes),
                UInt8(time.seconds)]
    }

    /// Reads the time stamp `timestampBytes` writes.
    static func timestamp(_ reader: inout ByteReader) throws(DecodeError) -> DeviceDateTime {
        let year = Int(try reader.uint16("Year"))
        let month = Int(try reader.uint8("Month")), day = Int(try reader.uint8("Day"))
        let hours = Int(try reader.uint8("Hours")), minutes = Int(try reader.uint8("Minutes")), seconds = Int(try reader.uint8("Seconds"))
        return try DeviceDateTime(year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: seconds,
                                  characteristic: displayName, field: "Time Stamp")
    }
}
