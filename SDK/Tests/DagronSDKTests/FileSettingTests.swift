@_spi(DagronHost) import DagronSDK
import Foundation
import Testing

/// `filePath` and `checkFolder`: a file setting into a folder that does not exist fails in `configure`.
@Suite("File settings")
struct FileSettingTests {
    @Test func aMissingFolderIsAMalformedSetting() throws {
        let settings = PluginSettings(
            plugin: "p", ["out": "/no-such-dagron-folder/x.log", "here": "x.log", "root": "/x", "empty": ""])
        #expect(
            throws: PluginSettingsError.malformed(
                plugin: "p", key: "out", value: "/no-such-dagron-folder/x.log",
                expected: "a file in an existing folder ('/no-such-dagron-folder' is not one)")
        ) {
            try settings.filePath("out")
        }
        // Relative paths come back absolute: the file stays where the user
        // meant if the working directory changes before it is written.
        #expect(try settings.filePath("here") == FileManager.default.currentDirectoryPath + "/x.log")
        #expect(
            try PluginSettings(plugin: "p", ["sub": "./x.log"]).filePath("sub")
                == FileManager.default.currentDirectoryPath + "/./x.log")
        #expect(try settings.filePath("root") == "/x")
        #expect(try settings.filePath("unset") == nil)
        #expect(throws: PluginSettingsError.missing(plugin: "p", key: "empty")) { try settings.filePath("empty") }
        #expect(throws: PluginSettingsError.self) { try settings.checkFolder(of: "/etc/hostname/x", key: "k") }
        // A folder where the file should be is refused in configure, not when written.
        for folder in ["/tmp", "/tmp/", "."] {
            #expect(
                throws: PluginSettingsError.malformed(
                    plugin: "p", key: "out", value: folder, expected: "a file, not a folder")
            ) {
                try PluginSettings(plugin: "p", ["out": folder]).filePath("out")
            }
        }
    }
}
