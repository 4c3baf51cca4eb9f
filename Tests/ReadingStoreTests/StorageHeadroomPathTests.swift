import Foundation
@testable import ReadingStore
import Testing

@Suite struct StorageHeadroomPathTests {
    @Test("the file system checked is the database file's directory, cut as NSString cut it")
    func directoryOfTheDatabase() {
        for path in ["/var/lib/dho/gateway.sqlite", "/gateway.sqlite", "gateway.sqlite", "state/gateway.sqlite",
                     "./g.db", "/a/b/c.d/e"] {
            let expected = (path as NSString).deletingLastPathComponent
            #expect(StorageHeadroom.directory(of: path) == (expected.isEmpty ? "." : expected), "\(path)")
        }
    }
}
