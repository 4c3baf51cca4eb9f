import Forwarding
import Foundation

/// A FHIR transport that writes every transaction Bundle the forwarder sends to a numbered file and answers
/// "201 Created" for each entry, as the receiver would. Draining a copy of a store through it yields the exact
/// bytes the forwarder posts for that outbox — the real FHIRMapper and Bundle builder — for `curl` to post.
final class BundleCapture: FHIRTransport, @unchecked Sendable {
    // @unchecked: `files` is only touched from `post`, which the forwarder (an actor) calls one at a time.
    let directory: String
    private(set) var files: [String] = []

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse {
        let path = directory + "/bundle-" + String(1_000_000 + files.count).dropFirst() + ".json"
        guard FileManager.default.createFile(atPath: path, contents: Data(body)),
              let bundle = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let entries = bundle["entry"] as? [Any]
        else { throw .other(code: 0, detail: "cannot capture the Bundle") }
        files.append(path)
        let answer: [String: Any] = [
            "resourceType": "Bundle", "type": "transaction-response",
            "entry": entries.map { _ in ["response": ["status": "201 Created"]] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: answer)) ?? Data()
        return HTTPResponse(status: 200, body: [UInt8](data))
    }
}
