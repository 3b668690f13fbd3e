import ExplicableCore
import Foundation
import TestSupport
import Testing
import Training

/// Crafted files that once hung, trapped or allocated without bound: each is one `Error:` line
/// naming the file, exit 2, nothing on stdout, nothing written.
struct BadInputTests {
    func expectRefused(_ r: Run, _ file: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "\(r.err)", sourceLocation: sourceLocation)
        #expect(r.out.isEmpty, sourceLocation: sourceLocation)
        #expect(
            r.err.hasPrefix("Error: \(file)") && r.err.contains(message), "\(r.err)", sourceLocation: sourceLocation)
        #expect(r.err.filter { $0 == "\n" }.count == 1, "\(r.err)", sourceLocation: sourceLocation)
    }

    /// A 110 KB file: one 50 KB internal entity referenced 20,000 times in one attribute (once
    /// over ten minutes and 759 MB).
    @Test func wordnetEntityDeclarationsAreRefusedAtOnce() throws {
        let url = try temporaryFolder().appendingPathComponent("bomb.xml")
        try Data(
            """
            <?xml version="1.0"?>
            <!DOCTYPE LexicalResource [
            <!ENTITY e "\(String(repeating: "A", count: 50_000))">
            ]>
            <LexicalResource><Lexicon id="t" label="\(String(repeating: "&e;", count: 20_000))" language="en" email="e"
            license="l" version="1"><Synset id="t-1" partOfSpeech="n"/></Lexicon></LexicalResource>
            """.utf8
        ).write(to: url)
        let start = Date()
        let r = try run("wordnet", "info", url.path)
        #expect(Date().timeIntervalSince(start) < 10)
        expectRefused(r, url.path + ":3:1: ", "declares entity 'e'")
    }

    /// `'shape': (2^60,)` of `<f8`: 2^63 bytes, which once overflowed and trapped.
    @Test func npyWhoseSizeOverflowsIsRefused() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("huge.npy")
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }\n"
        try
            (Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0]) + Data(header.utf8)
            + Data(count: 64)).write(to: url)
        let db = folder.appendingPathComponent("m.sqlite").path
        expectRefused(
            try run("matrix", "import", "huge", url.path, "--classes", "cifar10", "--db", db), url.path, "too large")
        var arguments = featureArguments()
        arguments[arguments.firstIndex(of: "--features")! + 1] = url.path
        expectRefused(try runWithArguments(["train"] + arguments), url.path, "too large")
    }

    /// Labels of Int64.max without `--classes` once overflowed; 10^12 once asked for a trillion classes.
    @Test(arguments: [Int64.max, 1_000_000_000_000])
    func featureLabelsOutOfAnyRangeAreRefused(label: Int64) throws {
        let url = try temporaryFolder().appendingPathComponent("labels.npy")
        var labels = try NPYArray.read(URL(fileURLWithPath: trainingFixture("labels-train.npy")))
        guard case .int64(var values) = labels.storage else {
            Issue.record("fixture labels are not int64")
            return
        }
        values[5] = label
        labels = NPYArray(shape: labels.shape, storage: .int64(values))
        try labels.write(to: url)
        var arguments = featureArguments()
        arguments[arguments.firstIndex(of: "--feature-labels")! + 1] = url.path
        arguments.removeLast(2)  // no --classes: the class count comes from the labels
        expectRefused(try runWithArguments(["train"] + arguments), url.path, "label 5 is \(label), out of range")
    }

    /// A checkpoint with a negative step, an overflowing shape or a terabyte layer is refused by
    /// `evaluate`, `train --init` and `train --resume`, and nothing is written.
    @Test func craftedCheckpointsAreRefused() throws {
        let out = try temporaryFolder()
        let t = try runWithArguments(
            ["train"] + featureArguments() + ["--epochs", "1", "--batch-size", "10", "--out", out.path])
        #expect(t.status == 0, "\(t.err)")
        let good = try Checkpoint.read(out.appendingPathComponent("checkpoint.ckpt"))
        let data = featureArguments().dropFirst(6) + ["--dataset", "features"]
        for (edit, message) in [
            ("step", "'step' is -1"), ("shape", "which the file cannot hold"), ("width", "hiddenWidths"),
        ] {
            var bad = good
            switch edit {
            case "step": bad.header.step = -1
            case "shape": bad.header.tensors[1].shape = [1 << 62, 4]
            default: bad.header.configuration.hiddenWidths = [1 << 40]
            }
            let folder = try temporaryFolder()
            let file = folder.appendingPathComponent("checkpoint.ckpt")
            try bad.write(to: file)
            let before = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            expectRefused(try runWithArguments(["evaluate", file.path] + data), file.path, message)
            expectRefused(
                try runWithArguments(
                    ["train"] + featureArguments() + [
                        "--init", file.path, "--out",
                        folder.appendingPathComponent("run").path,
                    ]), file.path, message)
            expectRefused(
                try runWithArguments(["train"] + featureArguments() + ["--resume", "--out", folder.path]),
                file.path, message)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == before)
        }
    }
}
