import DeviceProfiles
@testable import Gateway
import GatewayTestSupport
import HealthProfiles
import Testing

/// The "not measured" check tells the centre when the device for a vital was last seen. Every shipped profile —
/// the generic ones and the model profiles alike — must count for the vitals its service measures; a model
/// profile used to count for none (the vitals were looked up by the generic profiles' ids).
@Suite struct ProfileVitalsTests {
    @Test func everyShippedProfileCountsForTheVitalsOfItsService() throws {
        let catalog = try DeviceProfileCatalog.load(directory: RepositoryPaths.profiles + "/devices")
        for profile in catalog.profiles {
            let generic = try #require(catalog.profile(for: profile.service), "no generic profile for \(profile.id)")
            #expect(!ProfileVitals.vitals(of: profile).isEmpty, "\(profile.id)")
            #expect(ProfileVitals.vitals(of: profile) == ProfileVitals.vitals(of: generic), "\(profile.id)")
        }
        let cuff = try #require(catalog.profile(id: "and-ua-651ble"))
        #expect(ProfileVitals.vitals(of: cuff).contains(.systolicPressure))
        let nonin = try #require(catalog.profile(id: "nonin-3230"))
        #expect(ProfileVitals.vitals(of: nonin) == [.oxygenSaturation, .pulseRate])
    }
}
