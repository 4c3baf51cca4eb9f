import HealthProfiles
import Yams

/// `transport`, `codec` and `settle_seconds`: a device that only broadcasts its readings in advertisements.
extension DeviceProfileParser {
    static let transports = ["gatt", "broadcast"]

    /// `advertisement`: what a GATT device says about itself in its advertisements (`AdvertisedState`).
    static func validateAdvertisedState(
        _ raw: DeviceProfileFile, broadcast: Bool, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> AdvertisedState? {
        guard let text = raw.advertisement else { return nil }
        guard let state = AdvertisedState(rawValue: text) else {
            fail("advertisement", line(root, "advertisement"), .invalidValue(
                "'\(text)' is not an advertised state (\(AdvertisedState.allCases.map(\.rawValue).joined(separator: ", ")))"))
            return nil
        }
        if broadcast { fail("advertisement", line(root, "advertisement"), .invalidValue("only for devices the hub connects to")) }
        return state
    }

    /// The broadcast reception of a `transport: broadcast` profile; nil for a GATT one (the default). A broadcast
    /// device is never connected to: it is a model profile (it has no SIG service of its own to be general for),
    /// names a known codec and has no characteristics, bonding, record access or clock to set.
    static func validateTransport(
        _ raw: DeviceProfileFile, root: Node, fail: (String, Int?, DeviceProfileError.Problem) -> Void
    ) -> BroadcastReception? {
        let transport = raw.transport ?? "gatt"
        guard transports.contains(transport) else {
            fail("transport", line(root, "transport"), .invalidValue("'\(transport)' is not a transport (\(transports.joined(separator: ", ")))"))
            return nil
        }
        guard transport == "broadcast" else {
            for key in ["codec", "settle_seconds"] where line(root, key) != nil {
                fail(key, line(root, key), .invalidValue("only for transport: broadcast"))
            }
            return nil
        }
        func refuse(_ key: String, _ present: Bool, _ why: String) {
            if present { fail(key, line(root, key), .invalidValue(why)) }
        }
        let connectionless = "a broadcast device is never connected to"
        refuse("characteristics", !(raw.characteristics ?? []).isEmpty, "\(connectionless): it has no characteristics")
        refuse("bonding_required", raw.bondingRequired, "\(connectionless) nor paired: must be false")
        refuse("racp", raw.racp == true, "\(connectionless): must be false")
        refuse("time_sync", raw.timeSync != nil, "\(connectionless): its clock cannot be set")
        refuse("device_information", !(raw.deviceInformation ?? []).isEmpty, "\(connectionless): nothing can be read")
        refuse("multi_user", raw.multiUser == true, "a broadcast scale does not tell its users apart")
        if raw.models == nil {
            fail("models", line(root, "transport"), .invalidValue("a broadcast profile is a model profile: list the models it is for"))
        }
        guard let codec = raw.codec else {
            fail("codec", line(root, "transport"), .invalidValue("transport: broadcast needs the codec (\(BroadcastCodecs.names.joined(separator: ", ")))"))
            return BroadcastReception(codec: "")  // still a broadcast profile: its other keys are checked as one
        }
        if BroadcastCodecs.codec(named: codec) == nil {
            fail("codec", line(root, "codec"), .invalidValue("'\(codec)' is not a broadcast codec (\(BroadcastCodecs.names.joined(separator: ", ")))"))
        }
        let settle = raw.settleSeconds ?? BroadcastReception.defaultSettleSeconds
        if !BroadcastReception.settleSecondsRange.contains(settle) {
            fail("settle_seconds", line(root, "settle_seconds"), .invalidValue(
                "must be between \(BroadcastReception.settleSecondsRange.lowerBound) and \(BroadcastReception.settleSecondsRange.upperBound) seconds (got \(settle))"))
        }
        return BroadcastReception(codec: codec, settleSeconds: settle)
    }
}
