import Testing
@testable import Gateway

/// Glucose record numbers are uint16 and wrap at 0xFFFF (the Contour Next One; xDrip+ masks them & 0xFFFF).
@Suite struct RecordSequenceTests {
    @Test func theCursorMovesForwardRoundTheWrap() {
        #expect(RecordSequence.isAfter(0, 0xFFFF) && RecordSequence.isAfter(2, 0xFFFE))
        #expect(RecordSequence.isAfter(5, nil) && RecordSequence.isAfter(6, 5))
        // Records from before the wrap, re-sent after "≥ 0", and the cursor itself leave it alone.
        #expect(!RecordSequence.isAfter(0xFFFD, 2) && !RecordSequence.isAfter(2, 2) && !RecordSequence.isAfter(4, 5))
    }

    @Test func theRequestAfterTheLastNumberAsksFromZero() {
        #expect(RecordSequence.next(after: 0xFFFF) == 0)
        #expect(RecordSequence.next(after: 0xFFFE) == 0xFFFF)
        #expect(RecordSequence.next(after: 14) == 15)
    }

    /// Below the cursor: a few records past 0xFFFF is a wrap; anything else a restarted numbering.
    @Test func aWrapIsToldFromARestartByDistance() {
        #expect(RecordSequence.wrapped(to: 3, from: 0xFFFE))
        #expect(RecordSequence.wrapped(to: 4000, from: 0xFFF0))
        #expect(!RecordSequence.wrapped(to: 2, from: 102))           // a reset meter counting 1, 2 again
        #expect(!RecordSequence.wrapped(to: 5000, from: 0xFFFF))     // further than any meter measures between visits
        #expect(!RecordSequence.wrapped(to: 0xFFFF, from: 3))        // not below the cursor
    }

    /// A lent meter's boundary (its last record at provisioning) counts round the wrap too.
    @Test func aRecordAfterTheWrapIsAfterTheBoundary() {
        #expect(!RecordSequence.isAtOrBefore(1, 0xFFFA))
        #expect(RecordSequence.isAtOrBefore(0xFFF0, 0xFFFA) && RecordSequence.isAtOrBefore(0xFFFA, 0xFFFA))
        #expect(RecordSequence.isAtOrBefore(3, 10))
    }

    /// A record that could not be stored holds the cursor below it, also across the wrap.
    @Test func theEarlierUnstoredRecordCountsRoundTheWrap() {
        #expect(RecordSequence.earlier(nil, 7) == 7)
        #expect(RecordSequence.earlier(9, 7) == 7 && RecordSequence.earlier(7, 9) == 7)
        #expect(RecordSequence.earlier(0xFFFF, 0) == 0xFFFF && RecordSequence.earlier(1, 0xFFFE) == 0xFFFE)
    }
}
