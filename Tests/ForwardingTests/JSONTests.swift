import Forwarding
import Testing

@Suite struct JSONTests {
    @Test func numbersKeepTheirExactText() throws {
        let text = #"{"a":36.70,"b":[1,-0.5,1e5,2E-3],"c":"x","d":true,"e":null}"#
        let value = try JSON.parse(Array(text.utf8))
        #expect(value["a"] == .number("36.70"))
        #expect(value["b"]?.arrayValue?.map(\.numberText) == ["1", "-0.5", "1e5", "2E-3"])
        #expect(value.text == text)
    }

    @Test func stringsAreEscapedAndUnescaped() throws {
        let original: JSON = ["text": .string("line\n\"quoted\" \\ tab\t bell\u{07} ø 😀")]
        let parsed = try JSON.parse(original.serialized())
        #expect(parsed == original)
        #expect(try JSON.parse(Array(#"["\u00f8\ud83d\ude00\/"]"#.utf8)) == ["ø😀/"])
    }

    @Test func malformedInputIsATypedError() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\\ud800\"", "[1] 2", "tru", "\"\u{01}\""] {
            #expect(throws: JSONError.self, "\(bad)") { try JSON.parse(Array(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONError.self) { try JSON.parse(Array(deep.utf8)) }
    }

    @Test func objectsSerialiseWithSortedKeys() {
        let value: JSON = ["b": 1, "a": ["z": false, "y": nil]]
        #expect(value.text == #"{"a":{"y":null,"z":false},"b":1}"#)
    }
}
