import Foundation
import Testing
@testable import Triage

/// The two-person rule compares names as skeletons: what looks like the same name is the same name.
@Suite struct PersonNameTests {
    @Test(arguments: [
        "Dr Hаnsen",  // Cyrillic а
        "Dr Ηansen",  // Greek capital eta
        "DR HANSEN", " dr   hansen ", "dr-hansen", "Dr. Hansen",
        "Dr Hånsen",  // a with ring above
        "Dr Ha\u{0308}nsen",  // combining diaeresis
        "Dr Han\u{200B}sen", "Dr Han\u{00AD}sen", "Dr \u{202E}Hansen",  // zero-width space, soft hyphen, bidi override
        "Ｄｒ Ｈａｎｓｅｎ",  // full-width
        "Dr\u{00A0}Hansen", "Dr\tHansen",  // no-break space, tab
        "Dr Hаnѕеn",  // three Cyrillic letters
    ])
    func aLookAlikeOfTheSameNameIsTheSameName(_ lookAlike: String) {
        #expect(PersonName.skeleton(lookAlike) == PersonName.skeleton("Dr Hansen"), "\(lookAlike.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func differentNamesStayDifferent() {
        for other in ["Dr Hanssen", "Dr Jansen", "Nurse Berg", "Dr Hansen Jr", "Hansen"] {
            #expect(PersonName.skeleton(other) != PersonName.skeleton("Dr Hansen"), "\(other)")
        }
        #expect(PersonName.skeleton("  Dr   Hansen ") == "dr hansen")
    }
}
