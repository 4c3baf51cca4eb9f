import FHIRModel

extension JSON {
    /// Most values accepted in a receiver's answer. Parsed values cost far more memory than their text
    /// (`[0,0,0,...]`: ~30 bytes of tree per 2 bytes of text), so a hostile answer is bounded by count too;
    /// a transaction-response has a dozen values per entry.
    static let maximumResponseValues = 100_000
}
