import DBus
import TestSupport
import Testing

@Suite struct SignalTests {
    @Test func matchRulesSelectSignalsAndKeepTheirOrder() async throws {
        let fixture = try await BusFixture.start()
        let emitter = try await fixture.connect()
        let listener = try await fixture.connect()
        let stream = try await listener.signals(matching: [
            MatchRule(sender: emitter.uniqueName, interface: "no.dho.Test", member: "Reading",
                      pathNamespace: "/org/bluez"),
            MatchRule(interface: "no.dho.Test", member: "Tagged", arguments: [0: "wanted"]),
        ])
        let probe = StreamProbe(stream)

        try emitter.emitSignal(path: "/elsewhere", interface: "no.dho.Test", member: "Reading", arguments: [.int32(-1)])
        try emitter.emitSignal(path: "/org/bluez/hci0", interface: "no.dho.Other", member: "Reading",
                               arguments: [.int32(-2)])
        try emitter.emitSignal(path: "/org/bluez/hci0", interface: "no.dho.Test", member: "Other", arguments: [.int32(-3)])
        try emitter.emitSignal(path: "/org/bluez/hci0", interface: "no.dho.Test", member: "Tagged",
                               arguments: [.string("unwanted")])
        for index in Int32(1)...5 {
            try emitter.emitSignal(path: ObjectPath("/org/bluez/hci0").appending("dev_\(index)"), interface: "no.dho.Test", member: "Reading",
                                   arguments: [.int32(index)])
        }
        try emitter.emitSignal(path: "/org/bluez", interface: "no.dho.Test", member: "Tagged",
                               arguments: [.string("wanted"), .bytes([1])])

        var received: [DBusSignal] = []
        for _ in 0..<6 {
            received.append(try #require(try await probe.next(within: .seconds(10), "signal")))
        }
        #expect(received.prefix(5).map { $0.arguments.first?.int32Value } == [1, 2, 3, 4, 5])
        #expect(received[5].member == "Tagged")
        #expect(received[5].arguments == [.string("wanted"), .bytes([1])])
        #expect(received.allSatisfy { $0.sender == emitter.uniqueName })
        #expect(zip(received, received.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
    }

    @Test func wellKnownSenderMatchesOnlyItsCurrentOwner() async throws {
        let fixture = try await BusFixture.start()
        let owner = try await fixture.connect()
        let impostor = try await fixture.connect()
        let listener = try await fixture.connect()
        #expect(try await owner.requestName("org.bluez") == .primaryOwner)

        let stream = try await listener.signals(matching: MatchRule(sender: "org.bluez", interface: "no.dho.Test"))
        let probe = StreamProbe(stream)
        try impostor.emitSignal(path: "/", interface: "no.dho.Test", member: "Ping", arguments: [.string("impostor")])
        try owner.emitSignal(path: "/", interface: "no.dho.Test", member: "Ping", arguments: [.string("owner")])
        let first = try #require(try await probe.next(within: .seconds(10), "owner's signal"))
        #expect(first.arguments == [.string("owner")])

        // Ownership moves: the new owner's signals now match and the old owner's do not.
        try await owner.releaseName("org.bluez")
        #expect(try await impostor.requestName("org.bluez") == .primaryOwner)
        try owner.emitSignal(path: "/", interface: "no.dho.Test", member: "Ping", arguments: [.string("old owner")])
        try impostor.emitSignal(path: "/", interface: "no.dho.Test", member: "Ping", arguments: [.string("new owner")])
        let second = try #require(try await probe.next(within: .seconds(10), "new owner's signal"))
        #expect(second.arguments == [.string("new owner")])
    }

    @Test func nameOwnerChangesAreObserved() async throws {
        let fixture = try await BusFixture.start()
        let watcher = try await fixture.connect()
        let stream = try await watcher.signals(matching: .nameOwnerChanged("org.bluez"))
        let probe = StreamProbe(stream)
        let daemon = try await fixture.connect()
        #expect(try await daemon.requestName("org.bluez") == .primaryOwner)
        #expect(try await watcher.nameOwner(of: "org.bluez") == daemon.uniqueName)
        let acquiredSignal = try #require(try await probe.next(within: .seconds(10), "acquired"))
        let acquired = try #require(NameOwnerChange(acquiredSignal))
        #expect(acquired.newOwner == daemon.uniqueName && acquired.oldOwner == nil)

        await daemon.close()  // as when bluetoothd dies
        let lostSignal = try #require(try await probe.next(within: .seconds(10), "lost"))
        let lost = try #require(NameOwnerChange(lostSignal))
        #expect(lost.oldOwner == daemon.uniqueName && lost.newOwner == nil)
        #expect(try await watcher.nameOwner(of: "org.bluez") == nil)
    }

    @Test func endingTheIterationRemovesTheSubscription() async throws {
        let fixture = try await BusFixture.start()
        let emitter = try await fixture.connect()
        let listener = try await fixture.connect()
        do {
            let stream = try await listener.signals(matching: MatchRule(interface: "no.dho.Test"))
            let probe = StreamProbe(stream)
            try emitter.emitSignal(path: "/", interface: "no.dho.Test", member: "One")
            #expect(try await probe.next(within: .seconds(10), "signal")?.member == "One")
        }
        // Another subscription still works after the first one went away.
        let second = StreamProbe(try await listener.signals(matching: MatchRule(interface: "no.dho.Test")))
        try emitter.emitSignal(path: "/", interface: "no.dho.Test", member: "Two")
        #expect(try await second.next(within: .seconds(10), "signal")?.member == "Two")
    }
}
