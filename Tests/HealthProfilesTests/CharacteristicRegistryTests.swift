import Testing
@testable import HealthProfiles
import SeededRandom

/// The registry is the only list of characteristics: these checks hold for every entry, so a new characteristic
/// (its file plus its registry line, and a generator in RandomCharacteristics.swift) is covered without a new test.
@Suite struct CharacteristicRegistryTests {
    @Test func numbersAndNamesAreUnique() {
        let numbers = CharacteristicRegistry.types.map { $0.characteristic.rawValue }
        #expect(Set(numbers).count == numbers.count, "an assigned number is registered twice")
        let slugs = CharacteristicRegistry.types.map { $0.characteristic.slug }
        #expect(Set(slugs).count == slugs.count, "two characteristics share a name")
        #expect(GATTCharacteristic.allCases.map(\.rawValue) == numbers)
    }

    @Test func everyEntryIsFoundByItsNumberAndIdentifier() {
        for type in CharacteristicRegistry.types {
            let characteristic = type.characteristic
            #expect(GATTCharacteristic(rawValue: characteristic.rawValue)?.specificationName == characteristic.specificationName)
            #expect(GATTCharacteristic(identifier: characteristic.slug) == characteristic)
            #expect(GATTCharacteristic(identifier: characteristic.uuid.string) == characteristic)
            #expect(!characteristic.access.isEmpty, "\(characteristic) says how it is used")
        }
    }

    /// decode(encode(x)) == x and encode(decode(frame)) == frame for random valid values of every entry, through the
    /// same dispatch the gateway uses (by assigned number).
    @Test(arguments: CharacteristicRegistry.types.map { $0.characteristic })
    func randomValuesRoundTrip(characteristic: GATTCharacteristic) throws {
        guard let type = CharacteristicRegistry.type(for: characteristic.rawValue) as? any RandomCharacteristic.Type else {
            Issue.record("\(characteristic) has no generator in RandomCharacteristics.swift")
            return
        }
        var rng = SeededGenerator(seed: UInt64(characteristic.rawValue))
        for _ in 0..<500 {
            try expectRoundTrip(type.random(&rng))
        }
    }

    private func expectRoundTrip(_ value: some RandomCharacteristic) throws {
        let frame = try value.encoded()
        let decoded = try CharacteristicDecoder.decode(type(of: value).characteristic, frame)
        #expect(decoded == DecodedCharacteristic(value), "\(value)")
        #expect(try decoded.encoded() == frame)
    }
}
