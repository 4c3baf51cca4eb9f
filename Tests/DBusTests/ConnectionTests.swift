import DBus
import TestSupport
import Testing

@Suite struct ConnectionTests {
    @Test func everyTypeRoundTripsThroughTheBus() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        server.export(path: "/test/echo") { call in call.arguments }

        // One value per call, then all of them in one message.
        for value in SampleValues.all {
            let reply = try await client.call(destination: server.uniqueName, path: "/test/echo",
                                              interface: "no.dho.Test", member: "Echo", arguments: [value])
            #expect(reply == [value], "round trip of \(value.type)")
        }
        let all = try await client.call(destination: server.uniqueName, path: "/test/echo",
                                        interface: "no.dho.Test", member: "Echo", arguments: SampleValues.all)
        #expect(all == SampleValues.all)
        let none = try await client.call(destination: server.uniqueName, path: "/test/echo",
                                         interface: "no.dho.Test", member: "Echo")
        #expect(none.isEmpty)
        await client.close()
        await server.close()
    }

    @Test func invalidArgumentsAreRefusedBeforeSending() async throws {
        let fixture = try await BusFixture.start()
        let client = try await fixture.connect()
        await #expect(throws: DBusError.invalidValue("string contains a NUL character")) {
            _ = try await client.call(destination: "org.example.Nobody", path: "/", interface: "org.example.I",
                                      member: "M", arguments: [.string("a\u{0}b")])
        }
        await #expect(throws: DBusError.self) {
            _ = try await client.call(destination: "not a bus name", path: "/", interface: "org.example.I",
                                      member: "M")
        }
        await #expect(throws: DBusError.self) {
            _ = try await client.call(destination: "org.example.X", path: "/", interface: "org.example.I",
                                      member: "M", arguments: [.array(.string, [.byte(1)])])
        }
        // The connection still works afterwards.
        #expect(try await client.nameOwner(of: "org.example.Nobody") == nil)
    }

    @Test func callTimesOutWhenNobodyAnswers() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        let (never, neverContinuation) = AsyncStream.makeStream(of: Int.self)
        server.register(path: "/test/slow") { _ in
            .deferred {
                for await _ in never {}
                return []
            }
        }
        await #expect {
            _ = try await client.call(destination: server.uniqueName, path: "/test/slow", interface: "no.dho.Test",
                                      member: "Slow", timeout: .milliseconds(200))
        } throws: { error in
            guard case DBusError.timedOut = error else { return false }
            return true
        }
        neverContinuation.finish()
    }

    @Test func errorRepliesKeepNameAndMessage() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        server.register(path: "/test/fail") { call in
            switch call.member {
            case "Now": .error(.remote(name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local"))
            case "Later":
                .deferred { () async throws(DBusError) -> [DBusValue] in
                    throw .remote(name: "org.bluez.Error.InProgress", message: "Operation already in progress")
                }
            default: .error(.cancelled)  // not a remote error: becomes org.freedesktop.DBus.Error.Failed
            }
        }
        for (member, name, message) in [("Now", "org.bluez.Error.Failed", "le-connection-abort-by-local"),
                                         ("Later", "org.bluez.Error.InProgress", "Operation already in progress")] {
            await #expect(throws: DBusError.remote(name: name, message: message)) {
                _ = try await client.call(destination: server.uniqueName, path: "/test/fail",
                                          interface: "no.dho.Test", member: member)
            }
        }
        await #expect {
            _ = try await client.call(destination: server.uniqueName, path: "/test/fail", interface: "no.dho.Test",
                                      member: "Other")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.failed }
        await #expect {
            _ = try await client.call(destination: server.uniqueName, path: "/test/nothing_here",
                                      interface: "no.dho.Test", member: "X")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.unknownObject }
        await #expect {
            _ = try await client.call(destination: "org.example.NobodyOwnsThis", path: "/", interface: "no.dho.Test",
                                      member: "X")
        } throws: { ($0 as? DBusError)?.remoteName == StandardErrors.serviceUnknown }
    }

    @Test func cancellingAWaitingCallEndsIt() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (never, neverContinuation) = AsyncStream.makeStream(of: Int.self)
        server.register(path: "/test/slow") { _ in
            .deferred {
                startedContinuation.yield()
                for await _ in never {}
                return []
            }
        }
        let destination = server.uniqueName
        let task = Task {
            try await client.call(destination: destination, path: "/test/slow", interface: "no.dho.Test",
                                  member: "Slow", timeout: .seconds(60))
        }
        let probe = StreamProbe(started)
        _ = try await probe.next(within: .seconds(10), "server to receive the call")
        task.cancel()
        await #expect(throws: DBusError.cancelled) { _ = try await task.value }
        neverContinuation.finish()
    }

    @Test func closingFailsOutstandingCallsAndFinishesStreams() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        let (never, neverContinuation) = AsyncStream.makeStream(of: Int.self)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        server.register(path: "/test/slow") { _ in
            .deferred {
                startedContinuation.yield()
                for await _ in never {}
                return []
            }
        }
        let signals = try await client.signals(matching: MatchRule(interface: "no.dho.Test"))
        let destination = server.uniqueName
        let pending = Task {
            try await client.call(destination: destination, path: "/test/slow", interface: "no.dho.Test",
                                  member: "Slow", timeout: .seconds(60))
        }
        _ = try await StreamProbe(started).next(within: .seconds(10), "server to receive the call")
        await client.close()
        await #expect(throws: DBusError.disconnected) { _ = try await pending.value }
        #expect(try await StreamProbe(signals).next(within: .seconds(10), "stream end") == nil)
        await #expect(throws: DBusError.disconnected) {
            _ = try await client.call(destination: destination, path: "/test/slow", interface: "no.dho.Test",
                                      member: "Slow")
        }
        neverContinuation.finish()
    }

    @Test func manyConcurrentCallsAreAllAnsweredCorrectly() async throws {
        let fixture = try await BusFixture.start()
        let server = try await fixture.connect()
        let client = try await fixture.connect()
        server.register(path: "/test/double") { call in
            guard let number = call.arguments.first?.int32Value else { return .error(.invalidArguments("i")) }
            return number % 2 == 0 ? .reply([.int32(number * 2)]) : .deferred { [.int32(number * 2)] }
        }
        let destination = server.uniqueName
        let results = try await withThrowingTaskGroup(of: (Int32, Int32).self) { group in
            for number in Int32(0)..<100 {  // the bus allows 128 pending replies per connection
                group.addTask {
                    let reply = try await client.call(destination: destination, path: "/test/double",
                                                      interface: "no.dho.Test", member: "Double",
                                                      arguments: [.int32(number)])
                    return (number, reply.first?.int32Value ?? -1)
                }
            }
            var collected: [(Int32, Int32)] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 100)
        #expect(results.allSatisfy { $0.1 == $0.0 * 2 })
    }
}
