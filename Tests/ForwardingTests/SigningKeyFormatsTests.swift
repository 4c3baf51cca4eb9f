import TestSupport
@testable import Forwarding
import Foundation
import Testing

/// The hub's private key in every form it may be handed (PEM as PKCS#8, SEC1 or PKCS#1; a private JWK), made by
/// the openssl command line and jwcrypto, signed with by the gateway (libcrypto through SystemCrypto) and the
/// compact JWS verified by jwcrypto against the public key openssl wrote: implementations independent of the
/// gateway's on both ends. Keys that cannot serve are refused with the reason.
@Suite struct SigningKeyFormatsTests {
    let directory = TemporaryDirectory()
    var folder: URL { URL(fileURLWithPath: directory.path) }

    @Test func everyKeyFormatSignsWhatAnIndependentVerifierAccepts() throws {
        let ec = folder.appendingPathComponent("ec.pem").path
        let rsa = folder.appendingPathComponent("rsa.pem").path
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec])
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa])
        let ecSEC1 = try output("/usr/bin/openssl", ["ec", "-in", ec])
        let rsaPKCS1 = try output("/usr/bin/openssl", ["rsa", "-in", rsa, "-traditional"])
        #expect(ecSEC1.contains("BEGIN EC PRIVATE KEY") && rsaPKCS1.contains("BEGIN RSA PRIVATE KEY"))
        let ecJWK = try jwk(privatePEM: ec)
        let rsaJWK = try jwk(privatePEM: rsa)

        let cases: [(what: String, text: String, algorithm: JWSAlgorithm?, expected: JWSAlgorithm, publicPEM: String)] = [
            ("EC PKCS#8", try String(contentsOfFile: ec, encoding: .utf8), nil, .es256, ec),
            ("EC SEC1", ecSEC1, nil, .es256, ec),
            ("EC JWK", ecJWK, nil, .es256, ec),
            ("RSA PKCS#8", try String(contentsOfFile: rsa, encoding: .utf8), nil, .ps256, rsa),
            ("RSA PKCS#8 RS256", try String(contentsOfFile: rsa, encoding: .utf8), .rs256, .rs256, rsa),
            ("RSA PKCS#1", rsaPKCS1, .ps256, .ps256, rsa),
            ("RSA JWK", rsaJWK, .rs256, .rs256, rsa),
        ]
        var checks: [[String: String]] = []
        for (what, text, algorithm, expected, publicPEM) in cases {
            let key = try JOSESigningKey.parse(text, algorithm: algorithm, keyID: nil)
            #expect(key.algorithm == expected, "\(what)")
            let token = try key.sign(header: ["typ": "JWT"], claims: ["sub": .string(what)])
            checks.append(["what": what, "token": token, "key": publicPEM, "publicJWK": String(decoding: JSON.object(key.publicJWK).serialized(), as: UTF8.self)])
        }
        // One verifier run for all of them (a Python start costs more than the checks).
        let verdicts = try verify(checks)
        for check in checks { #expect(verdicts[check["what"]!] == "verified", "\(check["what"]!): \(verdicts[check["what"]!] ?? "missing")") }
    }

    @Test func keysThatCannotServeAreRefusedWithTheReason() throws {
        let small = folder.appendingPathComponent("small.pem").path
        let p384 = folder.appendingPathComponent("p384.pem").path
        let ed = folder.appendingPathComponent("ed.pem").path
        let rsa = folder.appendingPathComponent("rsa.pem").path
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", small])
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", p384])
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "ED25519", "-out", ed])
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa])
        func refusal(_ text: String, _ algorithm: JWSAlgorithm? = nil) -> String {
            do {
                _ = try JOSESigningKey.parse(text, algorithm: algorithm, keyID: nil)
                return "accepted"
            } catch { return error.description }
        }
        #expect(refusal(try String(contentsOfFile: small, encoding: .utf8)).contains("has 1024 bits; at least 2048"))
        #expect(refusal(try String(contentsOfFile: p384, encoding: .utf8)).contains("neither an EC P-256 nor an RSA"))
        #expect(refusal(try String(contentsOfFile: ed, encoding: .utf8)).contains("neither an EC P-256 nor an RSA"))
        #expect(refusal(try String(contentsOfFile: rsa, encoding: .utf8), .es256).contains("cannot sign ES256"))

        // A JWK whose prime does not divide its modulus; scalars outside P-256's range.
        var rsaJWK = try #require(JSON.parse(Array(try jwk(privatePEM: rsa).utf8), maximumValues: 100).objectValue)
        rsaJWK["p"] = rsaJWK["q"]
        #expect(refusal(String(decoding: JSON.object(rsaJWK).serialized(), as: UTF8.self)).contains("do not form a valid private key"))
        // n of P-256 (its group order) and zero are not private keys.
        let order: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                              0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51]
        for scalar in [order, [UInt8](repeating: 0, count: 32), [UInt8](repeating: 1, count: 31)] {
            let text = #"{"kty":"EC","crv":"P-256","d":"\#(Base64URL.encode(scalar))","x":"AA","y":"AA"}"#
            #expect(refusal(text).contains("is not a P-256 private key"), "\(scalar)")
        }
    }

    /// A private JWK of a PEM key, by jwcrypto.
    func jwk(privatePEM path: String) throws -> String {
        try output("/usr/bin/env", ["python3", "-c", """
            import sys
            from jwcrypto import jwk
            print(jwk.JWK.from_pem(open(sys.argv[1], 'rb').read()).export_private())
            """, path])
    }

    /// jwcrypto's verdict on each token against its public key, and on the public JWK the gateway derived.
    func verify(_ checks: [[String: String]]) throws -> [String: String] {
        let input = folder.appendingPathComponent("checks.json")
        try JSONSerialization.data(withJSONObject: checks).write(to: input)
        let text = try output("/usr/bin/env", ["python3", "-c", """
            import json, sys
            from jwcrypto import jwk, jws
            verdicts = {}
            for check in json.load(open(sys.argv[1])):
                key = jwk.JWK.from_pem(open(check['key'], 'rb').read())
                try:
                    token = jws.JWS()
                    token.deserialize(check['token'], key=key)
                    derived = json.loads(check['publicJWK'])
                    expected = json.loads(key.export_public())
                    same = all(derived.get(m) == expected.get(m) for m in ('kty', 'crv', 'x', 'y', 'n', 'e'))
                    verdicts[check['what']] = 'verified' if same else 'public JWK differs: %s' % derived
                except Exception as error:
                    verdicts[check['what']] = 'refused: %r' % error
            print(json.dumps(verdicts))
            """, input.path])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] ?? [:]
    }

    func run(_ executable: String, _ arguments: [String]) throws { _ = try output(executable, arguments) }

    func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        guard ProcessExit.status(of: process, timeout: .seconds(60)) == 0 else {
            throw ToolFailed(description: "\(executable) \(arguments.prefix(2)) failed")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct ToolFailed: Error, CustomStringConvertible {
    let description: String
}
