/// Glucose record sequence numbers are uint16 and wrap from 0xFFFF to 0 (the Contour Next One numbers past 0x8000;
/// xDrip+ masks them with `& 0xFFFF`, NightscoutFoundation/xDrip commit f9ba9cad7). So "after" is counted forward
/// round the circle, not by comparing integers: after the cursor 0xFFFE come 0xFFFF, 0, 1, …
///
/// A wrap and a restarted numbering (a reset meter counting from 1 again) both put the next number below the
/// cursor, and from the numbers alone they cannot be told apart. They differ in distance: a wrap lands a few
/// records forward of the cursor, a restart anywhere. A number at most `wrapWindow` forward of the cursor (a meter
/// cannot make 4096 records between two visits: years of measuring) is taken as the numbering going on; further, as
/// a restart. The visit first compares the record at the cursor with the one stored (`numberingRestart`), which
/// tells them apart exactly while the meter still holds it; the distance decides only when it does not.
enum RecordSequence {
    static let modulus = 0x1_0000
    /// How far forward of the cursor a number below it may lie and still be the same numbering, wrapped.
    static let wrapWindow = 4096

    /// How many steps forward of `cursor` `sequence` lies, round the uint16 circle (0 when equal).
    static func distance(from cursor: Int, to sequence: Int) -> Int {
        ((sequence - cursor) % modulus + modulus) % modulus
    }

    /// Whether `sequence` is after `cursor` (within half the circle forward): the cursor moves to it. Records
    /// arrive in any order within a transfer, and a meter asked "≥ 0" after a wrap also sends its records from
    /// before the wrap; those lie behind and leave the cursor alone.
    static func isAfter(_ sequence: Int, _ cursor: Int?) -> Bool {
        guard let cursor else { return true }
        let forward = distance(from: cursor, to: sequence)
        return forward > 0 && forward < modulus / 2
    }

    /// Whether `sequence`, numbered at or below the cursor, is the numbering gone on round 0xFFFF (a wrap) rather than
    /// started again.
    static func wrapped(to sequence: Int, from cursor: Int) -> Bool {
        sequence < cursor && distance(from: cursor, to: sequence) <= wrapWindow
    }

    /// Whether `sequence` is at or before `boundary` (a lent meter's last record at provisioning), counted round the
    /// circle: a record numbered after the wrap is after the boundary.
    static func isAtOrBefore(_ sequence: Int, _ boundary: Int) -> Bool {
        !isAfter(sequence, boundary)
    }

    /// The earlier of a transfer's unstored record and `sequence`, round the wrap: the cursor must stay below it.
    static func earlier(_ unstored: Int?, _ sequence: Int) -> Int {
        guard let unstored, isAfter(unstored, sequence) || unstored == sequence else { return unstored ?? sequence }
        return sequence
    }

    /// The RACP "≥" operand after `cursor`: cursor + 1, 0 after 0xFFFF.
    static func next(after cursor: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: cursor + 1)
    }
}
