import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import Training

/// Unpacking the CIFAR archives: gzip through zlib and a ustar reader.
struct CIFARReleaseTests {
    /// Runs `tar` (or another tool) and fails the test if it fails.
    func tool(_ arguments: [String], in folder: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = folder
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(arguments) failed")
    }

    @Test func unpacksWhatTarPacks() throws {
        let folder = try temporaryFolder()
        let inner = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        let batch = cifarRecords(labels: [[1], [2], [3]])
        try batch.write(to: inner.appendingPathComponent("test_batch.bin"))
        try Data().write(to: inner.appendingPathComponent("empty.txt"))
        let long = String(repeating: "x", count: 120) + ".txt"  // longer than ustar's 100-byte name field
        try Data("long".utf8).write(to: inner.appendingPathComponent(long))
        for format in ["gnu", "pax"] {
            try tool(["tar", "--format=\(format)", "-czf", "a-\(format).tar.gz", "cifar-10-batches-bin"], in: folder)
            let entries = try CIFARRelease.untar(
                CIFARRelease.gunzip(folder.appendingPathComponent("a-\(format).tar.gz")), file: "a")
            let files = Dictionary(entries, uniquingKeysWith: { a, _ in a })
            #expect(files["cifar-10-batches-bin/test_batch.bin"] == batch, "\(format)")
            #expect(files["cifar-10-batches-bin/empty.txt"] == Data(), "\(format)")
            #expect(files["cifar-10-batches-bin/\(long)"] == Data("long".utf8), "\(format): \(files.keys.sorted())")
        }
        try tool(["tar", "--format=ustar", "-czf", "a.tar.gz", "cifar-10-batches-bin/test_batch.bin"], in: folder)
        let entries = try CIFARRelease.untar(CIFARRelease.gunzip(folder.appendingPathComponent("a.tar.gz")), file: "a")
        #expect(entries.map(\.0) == ["cifar-10-batches-bin/test_batch.bin"] && entries[0].1 == batch)
    }

    @Test func rejectsDamagedArchives() throws {
        let folder = try temporaryFolder()
        try cifarRecords(labels: [[1]]).write(to: folder.appendingPathComponent("b.bin"))
        try tool(["tar", "-czf", "a.tar.gz", "b.bin"], in: folder)
        let archive = try Data(contentsOf: folder.appendingPathComponent("a.tar.gz"))
        let cut = folder.appendingPathComponent("cut.tar.gz")
        try archive.prefix(archive.count / 2).write(to: cut)
        let e1 = try #require(throws: ExplicableError.self) { try CIFARRelease.gunzip(cut) }
        #expect(e1.kind == .badInput && e1.file == cut.path && e1.message.hasPrefix("not a gzip archive"))
        let plain = folder.appendingPathComponent("plain.tar.gz")
        try Data("not gzip at all".utf8).write(to: plain)
        #expect(throws: ExplicableError.self) { try CIFARRelease.gunzip(plain) }
        let tar = try CIFARRelease.gunzip(folder.appendingPathComponent("a.tar.gz"))
        let e2 = try #require(throws: ExplicableError.self) { try CIFARRelease.untar(tar.prefix(1024), file: "t") }
        #expect(e2.message == "tar entry 'b.bin' runs past the end of the archive")
    }
}
