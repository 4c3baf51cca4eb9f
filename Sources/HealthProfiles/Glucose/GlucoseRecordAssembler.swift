/// A glucose record: a measurement and, when the meter announced one, its context.
public struct GlucoseRecord: Sendable, Hashable, Codable {
    public var measurement: GlucoseMeasurement
    public var context: GlucoseMeasurementContext?

    public init(measurement: GlucoseMeasurement, context: GlucoseMeasurementContext? = nil) {
        self.measurement = measurement
        self.context = context
    }

    /// One glucose reading with the context's qualifiers (meal, carbohydrate, medication...).
    public var readings: [Reading] { [measurement.reading(context: context)] }
}

/// Pairs Glucose Measurement notifications with the Glucose Measurement Context that follows them.
///
/// A meter that sets "context follows" sends the context with the same sequence number right after the
/// measurement. The assembler holds that measurement until its context arrives. Nothing is dropped: if the
/// next measurement (or the end of the transfer) comes first, the held one is released without context.
public struct GlucoseRecordAssembler: Sendable {
    /// The measurement waiting for its context, if any.
    public private(set) var awaitingContext: GlucoseMeasurement?

    public init() {}

    /// Accepts a measurement; returns the records now complete (a previously held one first).
    public mutating func accept(_ measurement: GlucoseMeasurement) -> [GlucoseRecord] {
        var complete: [GlucoseRecord] = []
        if let held = awaitingContext { complete.append(GlucoseRecord(measurement: held)) }
        awaitingContext = nil
        if measurement.contextFollows {
            awaitingContext = measurement
        } else {
            complete.append(GlucoseRecord(measurement: measurement))
        }
        return complete
    }

    /// Accepts a context; it must belong to the measurement being held.
    public mutating func accept(_ context: GlucoseMeasurementContext) throws(DecodeError) -> GlucoseRecord {
        let name = GATTCharacteristic.glucoseMeasurementContext.displayName
        guard let held = awaitingContext else {
            throw .invalidValue(
                characteristic: name, field: "Sequence Number",
                detail: "context for record \(context.sequenceNumber) but no measurement announced a context")
        }
        guard held.sequenceNumber == context.sequenceNumber else {
            throw .invalidValue(
                characteristic: name, field: "Sequence Number",
                detail: "context for record \(context.sequenceNumber) but record \(held.sequenceNumber) awaits its context")
        }
        awaitingContext = nil
        return GlucoseRecord(measurement: held, context: context)
    }

    /// End of transfer (RACP completed, or disconnect): releases a held measurement without context.
    public mutating func finish() -> [GlucoseRecord] {
        defer { awaitingContext = nil }
        return awaitingContext.map { [GlucoseRecord(measurement: $0)] } ?? []
    }
}
