import Foundation
import TestSupport
import Testing

/// Test–retest repeats, self-pairs and free-text checks end to end: `study create`, `import`, `qc`,
/// `matrix reliability`.
struct RetestCommandTests {
    func spec(_ changes: [String: Any]) throws -> String {
        let url = repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        object.merge(changes) { _, new in new }
        let file = try temporaryFolder().appendingPathComponent("retest.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file.path
    }

    static var retest: [String: Any] {
        [
            "repeats": ["perAssignment": 3, "minGap": 2], "selfPairChecks": ["perAssignment": 1],
            "attentionChecksPerAssignment": 1,
            "attentionChecks": [["key": "colour", "prompt": "Colour of a clear sky?", "pattern": "blue|light blue"]],
        ]
    }

    @Test func aBadSpecIsOneLineExitTwoAndCreatesNothing() throws {
        let db = try temporaryFolder().appendingPathComponent("s.sqlite").path
        let file = try spec(["repeats": ["perAssignment": 3, "showings": 9]])
        let r = try run("study", "create", file, "--db", db)
        #expect(r.status == 2 && r.out.isEmpty && r.err.filter { $0 == "\n" }.count == 1, "\(r.err)")
        #expect(r.err == "Error: \(file): field 'repeats.showings' must be between 2 and 5\n")
        #expect(try run("study", "list", "--db", db).out.contains("cifar10-class-likert") == false)
    }

    @Test func repeatsAreImportedAndTheirReliabilityReported() throws {
        let db = try temporaryFolder().appendingPathComponent("s.sqlite").path
        #expect(try run("study", "create", try spec(Self.retest), "--db", db).status == 0)
        // Four people; each rates 6 pairs, 3 of them twice (first 4, 2, 1), a self-pair and the text
        // check. s1 fails the text check, s2 the self-pair; s0 and s3 are accepted.
        var lines: [String] = []
        for (n, later) in [[4, 3, 1], [4, 2, 1], [1, 2, 3], [4, 2, 1]].enumerated() {
            var responses: [[String: Any]] = []
            for (i, value) in [4, 2, 1, 3, 0, 2].enumerated() {
                responses.append(["item": "pair:0:\(i + 1)", "value": value])
            }
            responses.append(["item": "self:2", "value": n == 2 ? 1 : 4])
            responses.append(["item": "attn:colour", "text": n == 1 ? "green" : n == 3 ? " light BLUE" : "Blue"])
            for (i, value) in later.enumerated() { responses.append(["item": "pair:0:\(i + 1)", "value": value]) }
            let payload: [String: Any] = [
                "study": "cifar10-class-likert", "session_id": "s\(n)", "responses": responses,
            ]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self))
        }
        let file = try temporaryFolder().appendingPathComponent("payloads.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let imported = try run("study", "import", "cifar10-class-likert", file.path, "--format", "payload", "--db", db)
        #expect(
            imported.status == 0
                && imported.out == "\(file.path): 4 rows, 44 answers added in 4 new submissions\n", "\(imported.err)")
        let qc = try run("study", "qc", "cifar10-class-likert", "--db", db)
        #expect(qc.status == 0, "\(qc.err)")
        let lines2 = qc.out.split(separator: "\n").map(String.init)
        #expect(lines2[0].contains("\tretest r\t"), "\(qc.out)")
        // Pearson r of first and second showings: 0.93, 1.00, −0.98, 1.00 (numpy).
        #expect(lines2.contains { $0.hasPrefix("s0\t") && $0.contains("\t0.93\taccepted") }, "\(qc.out)")
        #expect(lines2.contains { $0.hasPrefix("s2\t") && $0.contains("\t-0.98\trejected") }, "\(qc.out)")
        #expect(lines2.contains { $0.hasPrefix("s1\t") && $0.contains("\t1 (1 text)\t") }, "\(qc.out)")
        #expect(lines2.contains { $0.hasPrefix("s2\t") && $0.contains("\t1 (1 self-pair)\t") }, "\(qc.out)")
        #expect(
            qc.out.hasSuffix(
                "test–retest: 12 pairs of showings from 4 submissions: ICC(3,1) 0.60, identical 75%, "
                    + "mean |difference| 0.50 (all submissions; matrices use first showings)\n"), "\(qc.out)")
        let reliability = try run("matrix", "reliability", "cifar10-class-likert", "--db", db, "--splits", "2")
        #expect(reliability.status == 0, "\(reliability.err)")
        #expect(
            reliability.out.contains(
                "test–retest: 6 pairs of showings from 2 submissions: ICC(3,1) 0.96, identical 83%, "
                    + "mean |difference| 0.17 (accepted submissions)\n"), "\(reliability.out)")
    }
}
