/// How a service specification lets a client use a characteristic (the properties profile files name).
public struct CharacteristicAccess: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = CharacteristicAccess(rawValue: 1 << 0)
    public static let notify = CharacteristicAccess(rawValue: 1 << 1)
    public static let indicate = CharacteristicAccess(rawValue: 1 << 2)
    public static let write = CharacteristicAccess(rawValue: 1 << 3)
    /// A request written and answered by indication as one procedure (the Record Access Control Point).
    public static let controlPoint = CharacteristicAccess(rawValue: 1 << 4)
}
