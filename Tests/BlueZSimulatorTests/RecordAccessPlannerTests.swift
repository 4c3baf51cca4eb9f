@testable import BlueZSimulator
import Testing

@Suite struct RecordAccessPlannerTests {
    let records = [3, 1, 2, 7].map { ScriptedGlucoseRecord(sequence: UInt16($0), frame: [0x00, UInt8($0), 0x00]) }

    func sequences(_ plan: RecordAccessControlPoint.Plan) -> [UInt16] { plan.records.map(\.sequence) }

    @Test func reportsRecordsSelectedByOperator() {
        let all = RecordAccessControlPoint.plan(for: [0x01, 0x01], records: records)
        #expect(sequences(all) == [1, 2, 3, 7])
        #expect(all.indications == [[0x06, 0x00, 0x01, 0x01]])
        #expect(sequences(RecordAccessControlPoint.plan(for: [0x01, 0x03, 0x01, 0x03, 0x00], records: records)) == [3, 7])
        #expect(sequences(RecordAccessControlPoint.plan(for: [0x01, 0x02, 0x01, 0x02, 0x00], records: records)) == [1, 2])
        #expect(sequences(RecordAccessControlPoint.plan(for: [0x01, 0x04, 0x01, 0x02, 0x00, 0x03, 0x00],
                                                        records: records)) == [2, 3])
        #expect(sequences(RecordAccessControlPoint.plan(for: [0x01, 0x05], records: records)) == [1])
        #expect(sequences(RecordAccessControlPoint.plan(for: [0x01, 0x06], records: records)) == [7])
    }

    @Test func countsAndEmptySelections() {
        #expect(RecordAccessControlPoint.plan(for: [0x04, 0x01], records: records).indications == [[0x05, 0x00, 0x04, 0x00]])
        #expect(RecordAccessControlPoint.plan(for: [0x04, 0x03, 0x01, 0x03, 0x00], records: records).indications
            == [[0x05, 0x00, 0x02, 0x00]])
        let none = RecordAccessControlPoint.plan(for: [0x01, 0x03, 0x01, 0x08, 0x00], records: records)
        #expect(none.records.isEmpty && none.indications == [[0x06, 0x00, 0x01, 0x06]])
        #expect(RecordAccessControlPoint.plan(for: [0x01, 0x01], records: []).indications == [[0x06, 0x00, 0x01, 0x06]])
    }

    @Test func deleteAndAbort() {
        let delete = RecordAccessControlPoint.plan(for: [0x02, 0x02, 0x01, 0x02, 0x00], records: records)
        #expect(delete.deleting == [1, 2] && delete.indications == [[0x06, 0x00, 0x02, 0x01]])
        let abort = RecordAccessControlPoint.plan(for: [0x03, 0x00], records: records)
        #expect(abort.isAbort && abort.indications == [[0x06, 0x00, 0x03, 0x01]])
    }

    @Test(arguments: [
        ([UInt8](), [UInt8]([0x06, 0x00, 0x00, 0x05])),
        ([0x09, 0x01], [0x06, 0x00, 0x09, 0x02]),          // op code not supported
        ([0x01], [0x06, 0x00, 0x01, 0x03]),                // operator missing
        ([0x01, 0x00], [0x06, 0x00, 0x01, 0x03]),          // null operator
        ([0x01, 0x07], [0x06, 0x00, 0x01, 0x04]),          // operator not supported
        ([0x01, 0x03, 0x01, 0x02], [0x06, 0x00, 0x01, 0x05]),  // operand too short
        ([0x01, 0x03, 0x02, 0x00, 0x00], [0x06, 0x00, 0x01, 0x09]),  // user-facing time filter
        ([0x01, 0x04, 0x01, 0x05, 0x00, 0x01, 0x00], [0x06, 0x00, 0x01, 0x05]),  // inverted range
        ([0x03, 0x01], [0x06, 0x00, 0x03, 0x03]),          // abort needs the null operator
    ])
    func malformedRequestsGetTheSpecifiedResponseCode(request: [UInt8], response: [UInt8]) {
        let plan = RecordAccessControlPoint.plan(for: request, records: records)
        #expect(plan.records.isEmpty)
        #expect(plan.indications == [response])
    }
}
