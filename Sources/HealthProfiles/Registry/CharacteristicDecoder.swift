/// Decodes any characteristic value the gateway subscribes to or reads, by its assigned number, through
/// `CharacteristicRegistry`.
///
/// For the Record Access Control Point this decodes what the device indicates (a response); requests the
/// gateway writes are built with `RACPRequest` and decoded on the device side with `RACPRequest.decode`.
public enum CharacteristicDecoder {
    public static func decode(_ characteristic: GATTCharacteristic, _ bytes: some Collection<UInt8>) throws(DecodeError)
        -> DecodedCharacteristic
    {
        guard let type = CharacteristicRegistry.type(for: characteristic.rawValue) else {
            throw .unsupportedCharacteristic(uuid: characteristic.uuid.string)
        }
        return DecodedCharacteristic(try type.decode(bytes))
    }

    /// Decodes by UUID as BlueZ reports it ("00002a35-0000-1000-8000-00805f9b34fb").
    public static func decode(uuid: BluetoothUUID, _ bytes: some Collection<UInt8>) throws(DecodeError) -> DecodedCharacteristic {
        guard let short = uuid.short, let characteristic = GATTCharacteristic(rawValue: short) else {
            throw .unsupportedCharacteristic(uuid: uuid.string)
        }
        return try decode(characteristic, bytes)
    }
}
