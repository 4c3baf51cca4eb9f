import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ReceiverProcess {
    /// A FHIR search on the receiver's FHIR port, as the centre's own tooling would ask:
    /// `GET [base]/<type>?<query>`; the matching resources of the searchset.
    public func search(_ type: String, _ query: String) async throws -> [[String: Any]] {
        guard let url = URL(string: "\(self.url)/\(type)?\(query)") else { throw ReceiverError("bad search \(type)?\(query)") }
        let (data, _) = try await URLSession.shared.data(from: url)
        let bundle = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (bundle?["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }
}
