extension RACPRequest {
    /// The bytes the gateway writes, e.g. 01 01 (all records), 01 03 01 2A 00 (from sequence 42), 04 01, 03 00.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.recordAccessControlPoint.displayName)
        writer.uint8(opCode.rawValue)
        switch self {
        case .abortOperation:
            writer.uint8(RACPOperator.null.rawValue)
        case let .reportStoredRecords(filter), let .deleteStoredRecords(filter), let .reportNumberOfStoredRecords(filter):
            writer.uint8(filter.operator.rawValue)
            switch filter {
            case .allRecords, .firstRecord, .lastRecord:
                break
            case let .lessThanOrEqualTo(sequence), let .greaterThanOrEqualTo(sequence):
                writer.uint8(RACPFilter.sequenceNumberFilterType)
                writer.uint16(sequence)
            case let .withinRange(lower, upper):
                writer.uint8(RACPFilter.sequenceNumberFilterType)
                writer.uint16(lower)
                writer.uint16(upper)
            }
        }
        return writer.bytes
    }
}

extension RACPResponse {
    /// The bytes a glucometer indicates (used by the simulator).
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(characteristic: GATTCharacteristic.recordAccessControlPoint.displayName)
        switch self {
        case let .numberOfStoredRecords(count):
            writer.uint8(RACPOpCode.numberOfStoredRecordsResponse.rawValue)
            writer.uint8(RACPOperator.null.rawValue)
            writer.uint16(count)
        case let .responseCode(request, code):
            writer.uint8(RACPOpCode.responseCode.rawValue)
            writer.uint8(RACPOperator.null.rawValue)
            writer.uint8(request)
            writer.uint8(code.rawValue)
        }
        return writer.bytes
    }
}
