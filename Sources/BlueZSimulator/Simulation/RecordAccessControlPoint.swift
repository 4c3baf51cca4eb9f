/// The glucose meter's side of the Record Access Control Point (Bluetooth Glucose Profile): what a
/// request selects and which indications answer it. Pure, so it is tested on its own.
///
/// Deliberately written from the specification's byte tables, not with HealthProfiles' `RACPRequest` /
/// `RACPResponse`: the simulator is the test oracle for the gateway's RACP codec. The gateway encodes requests
/// and decodes responses with those types; were the meter to decode with `RACPRequest.decode` and answer with
/// `RACPResponse.encoded`, a wrong op code, operator or response-code number would be wrong on both sides and
/// every test would still pass. A real meter also answers malformed requests with a response code (invalid
/// operator, operand not supported...), which a shared decoder would turn into a decode error instead.
enum RecordAccessControlPoint {
    enum Opcode: UInt8 {
        case reportStoredRecords = 0x01
        case deleteStoredRecords = 0x02
        case abortOperation = 0x03
        case reportNumberOfStoredRecords = 0x04
        case numberOfStoredRecordsResponse = 0x05
        case responseCode = 0x06
    }

    enum Response: UInt8 {
        case success = 0x01
        case opCodeNotSupported = 0x02
        case invalidOperator = 0x03
        case operatorNotSupported = 0x04
        case invalidOperand = 0x05
        case noRecordsFound = 0x06
        case abortUnsuccessful = 0x07
        case procedureNotCompleted = 0x08
        case operandNotSupported = 0x09
    }

    /// What the meter does for one request.
    struct Plan: Equatable {
        /// Glucose Measurement notifications to send first, in order.
        var records: [ScriptedGlucoseRecord] = []
        /// RACP indications to send after them.
        var indications: [[UInt8]] = []
        /// Records to delete (by sequence number).
        var deleting: Set<UInt16> = []
        var isAbort = false
    }

    static func plan(for request: [UInt8], records unsorted: [ScriptedGlucoseRecord]) -> Plan {
        let records = unsorted.sorted { $0.sequence < $1.sequence }
        guard let opcodeByte = request.first else {
            return Plan(indications: [response(0x00, .invalidOperand)])
        }
        guard let opcode = Opcode(rawValue: opcodeByte),
              [.reportStoredRecords, .deleteStoredRecords, .abortOperation, .reportNumberOfStoredRecords]
                .contains(opcode)
        else {
            return Plan(indications: [response(opcodeByte, .opCodeNotSupported)])
        }
        guard request.count >= 2 else { return Plan(indications: [response(opcodeByte, .invalidOperator)]) }
        let operatorByte = request[1]
        let operand = Array(request.dropFirst(2))

        if opcode == .abortOperation {
            guard operatorByte == 0x00 else { return Plan(indications: [response(opcodeByte, .invalidOperator)]) }
            return Plan(indications: [response(opcodeByte, .success)], isAbort: true)
        }
        let selected: [ScriptedGlucoseRecord]
        switch select(records, operator: operatorByte, operand: operand) {
        case .failure(let code):
            return Plan(indications: [response(opcodeByte, code)])
        case .success(let records):
            selected = records
        }
        switch opcode {
        case .reportStoredRecords:
            guard !selected.isEmpty else { return Plan(indications: [response(opcodeByte, .noRecordsFound)]) }
            return Plan(records: selected, indications: [response(opcodeByte, .success)])
        case .deleteStoredRecords:
            guard !selected.isEmpty else { return Plan(indications: [response(opcodeByte, .noRecordsFound)]) }
            return Plan(indications: [response(opcodeByte, .success)], deleting: Set(selected.map(\.sequence)))
        case .reportNumberOfStoredRecords:
            let count = UInt16(clamping: selected.count)
            return Plan(indications: [[Opcode.numberOfStoredRecordsResponse.rawValue, 0x00,
                                       UInt8(count & 0xFF), UInt8(count >> 8)]])
        default:
            return Plan(indications: [response(opcodeByte, .opCodeNotSupported)])
        }
    }

    /// The response-code indication `06 00 <request opcode> <code>`.
    static func response(_ requestOpcode: UInt8, _ code: Response) -> [UInt8] {
        [Opcode.responseCode.rawValue, 0x00, requestOpcode, code.rawValue]
    }

    private enum Selection {
        case success([ScriptedGlucoseRecord])
        case failure(Response)
    }

    private static func select(_ records: [ScriptedGlucoseRecord], operator code: UInt8, operand: [UInt8]) -> Selection {
        func sequenceOperand(count: Int) -> [UInt16]? {
            // Filter type 0x01 = sequence number, then `count` little-endian uint16 values.
            guard operand.count == 1 + 2 * count else { return nil }
            return (0..<count).map { UInt16(operand[1 + 2 * $0]) | UInt16(operand[2 + 2 * $0]) << 8 }
        }
        switch code {
        case 0x00:
            return .failure(.invalidOperator)
        case 0x01:  // all records
            return operand.isEmpty ? .success(records) : .failure(.invalidOperand)
        case 0x02, 0x03, 0x04:  // <=, >=, within range
            guard let filterType = operand.first else { return .failure(.invalidOperand) }
            guard filterType == 0x01 else {
                return filterType == 0x02 ? .failure(.operandNotSupported) : .failure(.invalidOperand)
            }
            guard let values = sequenceOperand(count: code == 0x04 ? 2 : 1) else { return .failure(.invalidOperand) }
            switch code {
            case 0x02: return .success(records.filter { $0.sequence <= values[0] })
            case 0x03: return .success(records.filter { $0.sequence >= values[0] })
            default:
                guard values[0] <= values[1] else { return .failure(.invalidOperand) }
                return .success(records.filter { (values[0]...values[1]).contains($0.sequence) })
            }
        case 0x05:  // first record
            return operand.isEmpty ? .success(Array(records.prefix(1))) : .failure(.invalidOperand)
        case 0x06:  // last record
            return operand.isEmpty ? .success(Array(records.suffix(1))) : .failure(.invalidOperand)
        default:
            return .failure(.operatorNotSupported)
        }
    }
}
