import CCurl
import Dispatch
import Foundation
import HealthProfiles

/// HTTPS requests through libcurl: the FHIR POSTs of the forwarder and the token requests of `CentreAuthorizer`.
///
/// `curl_easy_perform` blocks, so each request runs on a private serial DispatchQueue (never on the Swift
/// concurrency pool) and is bridged back with a continuation. The easy handle is reused between requests so
/// the connection (and TLS session) stays open while a backlog drains; libcurl allows a handle on one thread
/// at a time, which the serial queue guarantees.
///
/// Security: peer and host verification are set on every request (they are the defaults, set again so that
/// no other code path can leave them off); only http and https are allowed and redirects are not followed,
/// so a server cannot bounce the data to a plain-http or other host; the token goes only into the
/// Authorization header and neither it nor any body is logged.
///
/// Memory: a hostile or broken receiver decides what it answers, so what one answer may cost is bounded
/// here — the body (`maximumResponseBytes`, refused early when Content-Length says more), the header block
/// (`maximumHeaderLines`, `maximumHeaderBytes`), no content decoding at all (a gzip bomb stays a small,
/// unparseable body) and the whole exchange (`EndpointConfiguration.requestTimeout`, against a server that
/// dribbles its answer). Every such answer is a failure that is retried; none marks anything delivered.
public final class CurlTransport: FHIRTransport, HTTPExchange, @unchecked Sendable {
    // @unchecked Sendable: `handle` is only used inside `queue`, a serial queue (see above).
    private let queue = DispatchQueue(label: "dho.forwarding.curl")
    private let handle: UnsafeMutableRawPointer
    public let endpoint: EndpointConfiguration
    /// Largest response body accepted. A transaction-response entry is ~100–600 bytes, so even a Bundle of
    /// the largest batch (1000 items) answered verbosely fits.
    static let maximumResponseBytes = 1 << 20
    /// Header lines of one response, and their total size; real FHIR servers send a dozen lines.
    static let maximumHeaderLines = 100
    static let maximumHeaderBytes = 32 << 10

    private static let globalInit: CURLcode = dho_curl_global_init()

    public init(endpoint: EndpointConfiguration) throws(TransportError) {
        guard Self.globalInit == CURLE_OK else { throw .setup("curl_global_init failed") }
        guard let handle = curl_easy_init() else { throw .setup("curl_easy_init failed") }
        self.handle = handle
        self.endpoint = endpoint
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// A transaction Bundle to the endpoint, with the configured bearer token (if any).
    public func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse {
        try await send(fhirPost(body))
    }

    /// A transaction Bundle queued on this transport's queue behind `previous` (see `QueuedPost`): the queue runs
    /// one request at a time, so when this one's turn comes `previous` (queued here before it) has its answer, and
    /// the request goes out from libcurl's thread without a hop through any task.
    public func post(
        _ body: [UInt8], after previous: QueuedPost?, sendIf: @escaping @Sendable (QueuedPost.Answer) -> Bool
    ) -> QueuedPost {
        let queued = QueuedPost()
        let request = fhirPost(body)
        queue.async {
            if let previous {
                // No answer yet: queued elsewhere, which the forwarder never does; not sending is always safe (the
                // caller sends what was not sent).
                guard let answer = previous.answerIfSent, sendIf(answer) else {
                    return queued.complete(nil)
                }
            }
            queued.complete(self.performBlocking(request))
        }
        return queued
    }

    private func fhirPost(_ body: [UInt8]) -> HTTPRequest {
        var headers = HTTPRequest.fhirHeaders
        if let token = endpoint.bearerToken { headers.append("Authorization: Bearer \(token.value)") }
        return HTTPRequest(method: .post, url: endpoint.url, headers: headers, body: body)
    }

    /// Any request, with the endpoint's TLS settings and limits; the caller gives every header.
    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let result: Result<HTTPResponse, TransportError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.performBlocking(request))
            }
        }
        return try result.get()
    }

    /// Collects the response; reached from libcurl's callbacks through the opaque user pointer.
    final class ResponseSink {
        var body: [UInt8] = []
        var headerLines: [String] = []
        var headerBytes = 0
        /// Why the response was cut off, when a limit stopped it.
        var overflow: String?
    }

    private func performBlocking(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        curl_easy_reset(handle)
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        let errorSize = Int(dho_curl_error_size())
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: errorSize)
        errorBuffer.initialize(repeating: 0, count: errorSize)
        defer { errorBuffer.deallocate() }

        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headers) }
        // "Expect:" keeps libcurl from waiting for a 100-continue the server may never send.
        for line in request.headers + ["Expect:"] { headers = curl_slist_append(headers, line) }

        do {
            try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
            try set(CURLOPT_URL, string: request.url)
            try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
            try set(CURLOPT_FOLLOWLOCATION, long: 0)
            // No decompression (Accept-Encoding is never sent; a Content-Encoding is not undone): the body
            // limit then bounds what the body costs in memory, however well it compresses.
            try set(CURLOPT_HTTP_CONTENT_DECODING, long: 0)
            try check(dho_curl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(Self.maximumResponseBytes)),
                      "MAXFILESIZE")
            try set(CURLOPT_NOSIGNAL, long: 1)
            try set(CURLOPT_SSL_VERIFYPEER, long: 1)
            try set(CURLOPT_SSL_VERIFYHOST, long: 2)
            try set(CURLOPT_SSLVERSION, long: dho_curl_tls12_or_later())
            if let caFile = endpoint.tls.caFile { try set(CURLOPT_CAINFO, string: caFile) }
            if let certificate = endpoint.tls.clientCertificate {
                try set(CURLOPT_SSLCERT, string: certificate)
                try set(CURLOPT_SSLCERTTYPE, string: "PEM")
            }
            if let key = endpoint.tls.clientKey { try set(CURLOPT_SSLKEY, string: key) }
            try set(CURLOPT_CONNECTTIMEOUT_MS, long: Self.milliseconds(endpoint.connectTimeout))
            try set(CURLOPT_TIMEOUT_MS, long: Self.milliseconds(endpoint.requestTimeout))
            switch request.method {
            case .post:
                try set(CURLOPT_POST, long: 1)
                try check(dho_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)),
                          "POSTFIELDSIZE")
                try request.body.withUnsafeBufferPointer { buffer throws(TransportError) in
                    // COPYPOSTFIELDS copies now, so the buffer need not outlive this call.
                    try check(dho_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS,
                                                      UnsafeMutableRawPointer(mutating: buffer.baseAddress)),
                              "COPYPOSTFIELDS")
                }
            case .get:
                try set(CURLOPT_HTTPGET, long: 1)
            }
            try check(dho_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers), "HTTPHEADER")
            try check(dho_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, user in
                guard let data, let user else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                let length = size * count
                guard sink.body.count + length <= CurlTransport.maximumResponseBytes else {
                    sink.overflow = "response body larger than \(CurlTransport.maximumResponseBytes >> 10) KiB"
                    return 0
                }
                data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
                return length
            }, "WRITEFUNCTION")
            try set(CURLOPT_WRITEDATA, pointer: sinkPointer.toOpaque())
            try check(dho_curl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, user in
                guard let data, let user else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                let length = size * count
                // Counted over all header blocks (interim responses included), so that endless 1xx blocks
                // cannot get around the limit either.
                sink.headerBytes += length
                guard sink.headerBytes <= CurlTransport.maximumHeaderBytes else {
                    sink.overflow = "response headers larger than \(CurlTransport.maximumHeaderBytes >> 10) KiB"
                    return 0
                }
                let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                // A new status line (after "100 Continue" or an interim response) starts a new header block.
                if line.hasPrefix("HTTP/") { sink.headerLines.removeAll() }
                guard sink.headerLines.count < CurlTransport.maximumHeaderLines else {
                    sink.overflow = "more than \(CurlTransport.maximumHeaderLines) response header lines"
                    return 0
                }
                sink.headerLines.append(line)
                return length
            }, "HEADERFUNCTION")
            try set(CURLOPT_HEADERDATA, pointer: sinkPointer.toOpaque())
        } catch {
            return .failure(error)
        }

        let code = curl_easy_perform(handle)
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            if let overflow = sink.overflow { return .failure(.responseTooLarge(overflow)) }
            if code == CURLE_FILESIZE_EXCEEDED {
                // Content-Length announced more (or, in newer libcurl, the body went past it).
                return .failure(.responseTooLarge("response body larger than \(Self.maximumResponseBytes >> 10) KiB"))
            }
            return .failure(Self.classify(code, text))
        }
        var status = 0
        _ = dho_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: Self.parseHeaders(sink.headerLines), body: sink.body))
    }

    private func set(_ option: CURLoption, long value: Int) throws(TransportError) {
        try check(dho_curl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, string value: String) throws(TransportError) {
        try check(dho_curl_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer) throws(TransportError) {
        try check(dho_curl_setopt_pointer(handle, option, value), "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(TransportError) {
        guard code == CURLE_OK else {
            throw .setup("\(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let day: Int64 = 86_400_000  // a day is far beyond any sensible HTTP timeout
        return max(1, Int(min(duration.inMilliseconds, day)))
    }

    static func classify(_ code: CURLcode, _ detail: String) -> TransportError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(detail)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectionFailed(detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED:
            return .tls(detail)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
             CURLE_HTTP2_STREAM:
            // With TLS 1.3 the server's verdict on a client certificate arrives as an alert on the first read.
            return detail.contains("SSL routines") ? .tls(detail) : .connectionLost(detail)
        default:
            return .other(code: Int(code.rawValue), detail: detail)
        }
    }

    static func parseHeaders(_ lines: [String]) -> [String: String] {
        ResponseHeaderFields.parse(lines)
    }
}
