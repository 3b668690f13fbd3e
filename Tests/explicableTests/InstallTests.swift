import ExplicableCore
import Foundation
import TestSupport
import Testing

/// The binary is installable by copying it: class sets, study specs, templates and the PyTorch
/// files are compiled in (EmbeddedFiles), so a copy outside the checkout works from any folder.
struct InstallTests {
    /// Runs `binary` in `folder` with a clean environment: no EXPLICABLE_HOME, HOME in `folder`.
    func runCopied(_ binary: URL, in folder: URL, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "EXPLICABLE_HOME")
        env.removeValue(forKey: "EXPLICABLE_DATA")
        env.removeValue(forKey: "XDG_CACHE_HOME")
        env["HOME"] = folder.appendingPathComponent("home").path
        env["EXPLICABLE_OFFLINE"] = "1"
        process.environment = env
        return try runProcess(process)
    }

    @Test func aCopiedBinaryFindsItsClassSetsTemplatesAndSpecs() throws {
        let folder = try temporaryFolder()
        let binary = folder.appendingPathComponent("bin/explicable")
        try FileManager.default.createDirectory(
            at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: productsFolder.appendingPathComponent("explicable"), to: binary)
        // A built-in class set (wordnet/cifar10.tsv) and the report template (templates/report.mustache).
        let npy = folder.appendingPathComponent("m.npy")
        var values = [Double](repeating: 1, count: 100)
        for i in 0..<10 { values[i * 11] = 4 }
        try NPYArray(shape: [10, 10], storage: .float64(values)).write(to: npy)
        let imported = try runCopied(binary, in: folder, ["matrix", "import", "m", npy.path, "--classes", "cifar10"])
        #expect(imported.status == 0, "\(imported.err)")
        let report = try runCopied(binary, in: folder, ["report", "--matrix", "m", "--out", "r.html"])
        #expect(report.status == 0, "\(report.err)")
        let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("airplane"))
        // A built-in study spec (studies/) and the study page templates.
        let spec = try #require(EmbeddedFiles.data("studies/cifar10-class-likert.json"))
        try spec.write(to: folder.appendingPathComponent("spec.json"))
        let created = try runCopied(binary, in: folder, ["study", "create", "spec.json"])
        #expect(created.status == 0, "\(created.err)")
        let tasks = try runCopied(binary, in: folder, ["study", "tasks", "cifar10-class-likert", "--out", "pages"])
        #expect(tasks.status == 0, "\(tasks.err)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pages/study.html").path))
        // The PyTorch files ship too.
        #expect(EmbeddedFiles.paths.contains("templates/pytorch/explicable_loss.py"))
        let version = try runCopied(binary, in: folder, ["--version"])
        #expect(version.status == 0 && !version.out.isEmpty)
    }
}
