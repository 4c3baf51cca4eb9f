/// Record Access Control Point (0x2A52): how the gateway asks a glucometer for its stored records.
///
/// Written requests are Op Code uint8 | Operator uint8 | Operand; indicated responses are either
/// Number of Stored Records Response (05 00 <uint16>) or Response Code (06 00 <request op code> <code>).
/// Filters use Filter Type 0x01 (sequence number), the only type the Glucose Service requires.
public enum RACPOpCode: UInt8, Sendable, Hashable, Codable {
    case reportStoredRecords = 1
    case deleteStoredRecords = 2
    case abortOperation = 3
    case reportNumberOfStoredRecords = 4
    case numberOfStoredRecordsResponse = 5
    case responseCode = 6
}

public enum RACPOperator: UInt8, Sendable, Hashable, Codable {
    case null = 0
    case allRecords = 1
    case lessThanOrEqualTo = 2
    case greaterThanOrEqualTo = 3
    case withinRangeOf = 4
    case firstRecord = 5
    case lastRecord = 6
}

/// Which records a request addresses, by glucose sequence number.
public enum RACPFilter: Sendable, Hashable, Codable {
    case allRecords
    case firstRecord
    case lastRecord
    case lessThanOrEqualTo(sequenceNumber: UInt16)
    case greaterThanOrEqualTo(sequenceNumber: UInt16)
    case withinRange(from: UInt16, through: UInt16)

    static let sequenceNumberFilterType: UInt8 = 0x01

    var `operator`: RACPOperator {
        switch self {
        case .allRecords: return .allRecords
        case .firstRecord: return .firstRecord
        case .lastRecord: return .lastRecord
        case .lessThanOrEqualTo: return .lessThanOrEqualTo
        case .greaterThanOrEqualTo: return .greaterThanOrEqualTo
        case .withinRange: return .withinRangeOf
        }
    }
}

/// A request the gateway writes to the control point.
public enum RACPRequest: Sendable, Hashable, Codable {
    case reportStoredRecords(RACPFilter)
    case deleteStoredRecords(RACPFilter)
    case reportNumberOfStoredRecords(RACPFilter)
    case abortOperation

    /// "Send me everything": 01 01.
    public static let reportAll = RACPRequest.reportStoredRecords(.allRecords)
    /// "How many records do you hold": 04 01.
    public static let countAll = RACPRequest.reportNumberOfStoredRecords(.allRecords)

    /// "Send me records from sequence number N on": 01 03 01 <N LE16>; the gateway's resume cursor.
    public static func reportRecords(fromSequenceNumber sequence: UInt16) -> RACPRequest {
        .reportStoredRecords(.greaterThanOrEqualTo(sequenceNumber: sequence))
    }

    public var opCode: RACPOpCode {
        switch self {
        case .reportStoredRecords: return .reportStoredRecords
        case .deleteStoredRecords: return .deleteStoredRecords
        case .reportNumberOfStoredRecords: return .reportNumberOfStoredRecords
        case .abortOperation: return .abortOperation
        }
    }

    /// Decodes a written request (the simulator's side of the conversation).
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> RACPRequest {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.recordAccessControlPoint.displayName)
        let rawOpCode = try reader.uint8("Op Code")
        let rawOperator = try reader.uint8("Operator")
        guard let opCode = RACPOpCode(rawValue: rawOpCode) else { throw reader.invalid("Op Code", "\(rawOpCode) is reserved") }
        guard let op = RACPOperator(rawValue: rawOperator) else { throw reader.invalid("Operator", "\(rawOperator) is reserved") }
        let request: RACPRequest
        switch opCode {
        case .abortOperation:
            guard op == .null else { throw reader.invalid("Operator", "Abort Operation takes the Null operator") }
            request = .abortOperation
        case .reportStoredRecords: request = .reportStoredRecords(try filter(op, &reader))
        case .deleteStoredRecords: request = .deleteStoredRecords(try filter(op, &reader))
        case .reportNumberOfStoredRecords: request = .reportNumberOfStoredRecords(try filter(op, &reader))
        case .numberOfStoredRecordsResponse, .responseCode:
            throw reader.invalid("Op Code", "\(rawOpCode) is a response, not a request")
        }
        try reader.expectEnd()
        return request
    }

    private static func filter(_ op: RACPOperator, _ reader: inout ByteReader) throws(DecodeError) -> RACPFilter {
        func sequenceOperand(_ field: String) throws(DecodeError) -> UInt16 {
            try reader.uint16(field)
        }
        func filterType() throws(DecodeError) {
            let type = try reader.uint8("Operand.Filter Type")
            guard type == RACPFilter.sequenceNumberFilterType else {
                throw reader.invalid("Operand.Filter Type", "\(type) is not supported (only 1, sequence number)")
            }
        }
        switch op {
        case .null: throw reader.invalid("Operator", "Null operator is not allowed for this op code")
        case .allRecords: return .allRecords
        case .firstRecord: return .firstRecord
        case .lastRecord: return .lastRecord
        case .lessThanOrEqualTo:
            try filterType()
            return .lessThanOrEqualTo(sequenceNumber: try sequenceOperand("Operand.Maximum"))
        case .greaterThanOrEqualTo:
            try filterType()
            return .greaterThanOrEqualTo(sequenceNumber: try sequenceOperand("Operand.Minimum"))
        case .withinRangeOf:
            try filterType()
            let lower = try sequenceOperand("Operand.Minimum")
            let upper = try sequenceOperand("Operand.Maximum")
            guard lower <= upper else { throw reader.invalid("Operand", "range \(lower)...\(upper) is empty") }
            return .withinRange(from: lower, through: upper)
        }
    }
}

/// RACP response codes (Response Code op code 6).
public enum RACPResponseCode: UInt8, Sendable, Hashable, Codable {
    case success = 1
    case opCodeNotSupported = 2
    case invalidOperator = 3
    case operatorNotSupported = 4
    case invalidOperand = 5
    case noRecordsFound = 6
    case abortUnsuccessful = 7
    case procedureNotCompleted = 8
    case operandNotSupported = 9
}

/// What the glucometer indicates on the control point.
public enum RACPResponse: Sendable, Hashable, Codable {
    case numberOfStoredRecords(UInt16)
    /// The request op code is kept raw: a device answers an op code it does not know with that same op code.
    case responseCode(requestOpCode: UInt8, code: RACPResponseCode)

    /// Decodes an indicated response.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> RACPResponse {
        var reader = ByteReader(bytes, characteristic: GATTCharacteristic.recordAccessControlPoint.displayName)
        let rawOpCode = try reader.uint8("Op Code")
        let rawOperator = try reader.uint8("Operator")
        guard rawOpCode == RACPOpCode.numberOfStoredRecordsResponse.rawValue
            || rawOpCode == RACPOpCode.responseCode.rawValue
        else { throw reader.invalid("Op Code", "\(rawOpCode) is not a response op code (5 or 6)") }
        guard rawOperator == RACPOperator.null.rawValue else {
            throw reader.invalid("Operator", "responses carry the Null operator, got \(rawOperator)")
        }
        let response: RACPResponse
        if rawOpCode == RACPOpCode.numberOfStoredRecordsResponse.rawValue {
            response = .numberOfStoredRecords(try reader.uint16("Operand.Number of Records"))
        } else {
            let request = try reader.uint8("Operand.Request Op Code")
            let rawCode = try reader.uint8("Operand.Response Code Value")
            guard let code = RACPResponseCode(rawValue: rawCode) else {
                throw reader.invalid("Operand.Response Code Value", "\(rawCode) is reserved")
            }
            response = .responseCode(requestOpCode: request, code: code)
        }
        try reader.expectEnd()
        return response
    }

    /// The request this response answers, when it is a known op code.
    public var requestOpCode: RACPOpCode? {
        switch self {
        case .numberOfStoredRecords: return .reportNumberOfStoredRecords
        case let .responseCode(request, _): return RACPOpCode(rawValue: request)
        }
    }
}

extension GATTCharacteristic {
    public static let recordAccessControlPoint = GATTCharacteristic(
        0x2A52, "Record Access Control Point", access: .controlPoint, services: [.glucose, .pulseOximeter])
}

extension RACPResponse: HealthCharacteristic {
    public static var characteristic: GATTCharacteristic { .recordAccessControlPoint }
}
