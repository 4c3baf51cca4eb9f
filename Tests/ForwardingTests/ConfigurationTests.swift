import SeededRandom
import Forwarding
import Foundation
import Testing
import TestSupport

@Suite struct ConfigurationTests {
    @Test func plainHTTPIsRefusedExceptToLoopback() throws {
        for url in ["http://fhir.example.no/fhir", "http://10.0.0.5:8080/", "http://128.0.0.1/", "http://localhost.example.com/"] {
            #expect(throws: ForwardingError.self, "\(url)") { try EndpointConfiguration(url: url) }
        }
        for url in ["http://127.0.0.1:8080/fhir", "http://127.1.2.3/", "http://localhost:9/", "http://[::1]:8080/fhir",
                    "https://fhir.example.no/fhir"] {
            #expect(throws: Never.self, "\(url)") { try EndpointConfiguration(url: url) }
        }
        do {
            _ = try EndpointConfiguration(url: "http://fhir.example.no/fhir")
        } catch {
            #expect("\(error)".contains("https"))
        }
    }

    @Test func otherMistakesAreClearErrors() {
        #expect(throws: ForwardingError.self) { try EndpointConfiguration(url: "ftp://fhir.example.no/") }
        #expect(throws: ForwardingError.self) { try EndpointConfiguration(url: "fhir.example.no/fhir") }
        #expect(throws: ForwardingError.self) { try EndpointConfiguration(url: "https://user:pw@fhir.example.no/") }
        #expect(throws: ForwardingError.self) {
            try EndpointConfiguration(url: "https://fhir.example.no/", tls: TLSOptions(caFile: "/nonexistent/ca.pem"))
        }
        #expect(throws: ForwardingError.self) {
            try EndpointConfiguration(url: "https://fhir.example.no/", requestTimeout: .zero)
        }
    }

    @Test func backoffGrowsExponentiallyUpToTheCap() {
        let policy = DeliveryBackoff(baseDelay: .seconds(2), maximumDelay: .seconds(60))
        #expect((1...7).map { policy.ceiling(afterFailures: $0) }
            == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60), .seconds(60)])
        #expect(policy.ceiling(afterFailures: 10_000) == .seconds(60))
    }

    @Test func jitterStaysWithinTheWindowAndVaries() {
        let policy = DeliveryBackoff(baseDelay: .seconds(1), maximumDelay: .seconds(30))
        var generator = SeededGenerator(seed: 42)
        let delays = (0..<200).map { _ in policy.delay(afterFailures: 4, retryAfter: nil, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(8) })
        #expect(Set(delays).count > 100)
    }

    @Test func retryAfterReplacesTheBackoffWithinItsCap() {
        let policy = DeliveryBackoff(baseDelay: .seconds(1), maximumDelay: .seconds(30), maximumRetryAfter: .seconds(600))
        var generator = SeededGenerator(seed: 1)
        #expect(policy.delay(afterFailures: 1, retryAfter: .seconds(120), using: &generator) == .seconds(120))
        #expect(policy.delay(afterFailures: 1, retryAfter: .seconds(86_400), using: &generator) == .seconds(600))
    }

    @Test func retryAfterHeaderParsing() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.delay("120", now: now) == .seconds(120))
        #expect(RetryAfter.delay(" 0 ", now: now) == .zero)
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay("Sunday, 06-Nov-94 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.delay("soon", now: now) == nil)
        #expect(RetryAfter.delay(nil, now: now) == nil)
        #expect(RetryAfter.delay("-5", now: now) == nil)
    }

    @Test func queuedEntriesMustBeConditional() throws {
        let good: JSON = [
            "fullUrl": "urn:uuid:1", "resource": ["resourceType": "Flag"],
            "request": ["method": "POST", "url": "Flag", "ifNoneExist": "identifier=urn:x|1"],
        ]
        #expect(throws: Never.self) { try BundleEntry(queued: good) }
        let unconditional: JSON = [
            "fullUrl": "urn:uuid:1", "resource": ["resourceType": "Flag"], "request": ["method": "POST", "url": "Flag"],
        ]
        #expect(throws: ForwardingError.self) { try BundleEntry(queued: unconditional) }
        #expect(throws: ForwardingError.self) { try BundleEntry(queued: ["resource": ["resourceType": "Flag"]]) }
    }
}
