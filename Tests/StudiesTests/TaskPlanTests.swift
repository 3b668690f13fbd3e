import ExplicableCore
import Foundation
import LabelStore
import Studies
import Testing

struct TaskPlanTests {
    @Test(arguments: [(3, 15), (46, 15), (5, 7), (1, 90), (2, 89)])
    func everyItemGetsExactlyKRatingsNeverTwiceInAnAssignment(k: Int, perAssignment: Int) throws {
        let (_, study) = try likertStudy(k: k, perAssignment: perAssignment)
        let plan = try TaskPlan(study: study)
        var counts: [String: Int] = [:]
        for assignment in plan.assignments {
            let regular = assignment.itemKeys.filter { $0.hasPrefix("pair:") }
            #expect(Set(regular).count == regular.count, "an item repeats in assignment \(assignment.index)")
            #expect(assignment.itemKeys.filter { $0.hasPrefix("attn:") }.count == 2)
            for key in regular { counts[key, default: 0] += 1 }
        }
        #expect(counts.count == 90 && counts.values.allSatisfy { $0 == k })
        #expect(plan.assignments.count == (90 * k + perAssignment - 1) / perAssignment)
        let sizes = plan.assignments.map { $0.itemKeys.count - 2 }
        #expect(sizes.dropLast().allSatisfy { $0 == perAssignment })
    }

    @Test func theSeedDecidesEverything() throws {
        let (_, a) = try likertStudy()
        let (_, b) = try likertStudy()
        let (_, c) = try likertStudy(changes: ["seed": 7])
        #expect(try TaskPlan(study: a) == TaskPlan(study: b))
        #expect(try TaskPlan(study: a) != TaskPlan(study: c))
    }

    @Test func attentionChecksSitAtVaryingPositions() throws {
        let (_, study) = try likertStudy(k: 10)
        let positions = Set(try TaskPlan(study: study).assignments.flatMap { a in
            a.itemKeys.indices.filter { a.itemKeys[$0].hasPrefix("attn:") }
        })
        #expect(positions.count > 8)
    }

    @Test func tooManyItemsPerAssignmentIsRefused() throws {
        let (_, study) = try likertStudy(perAssignment: 91)
        #expect(throws: ExplicableError.self) { try TaskPlan(study: study) }
    }
}

struct TaskWriterTests {
    func write(_ changes: [String: Any?] = [:]) throws -> URL {
        let (_, study) = try likertStudy(changes: changes)
        let folder = try temporaryFolder()
        try TaskWriter(study: study, plan: try TaskPlan(study: study),
            templates: repositoryRoot.appendingPathComponent("templates")).write(to: folder)
        return folder
    }

    @Test func writesThePlanTheMTurkBatchAndOnePagePerAssignment() throws {
        let folder = try write()
        let pages = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("pages").path)
        #expect(pages.count == 18 && pages.contains("assignment-0000.html") && pages.contains("assignment-0017.html"))
        let csv = try String(contentsOf: folder.appendingPathComponent("mturk-batch.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("assignment_index,assignment_json\n0,\"{\"\"index\"\":0,\"\"items\"\":[{"))
        #expect(csv.split(separator: "\n").count == 19)
        let hit = try String(contentsOf: folder.appendingPathComponent("mturk-hit.html"), encoding: .utf8)
        #expect(hit.contains("<crowd-form") && hit.contains("${assignment_json}"))
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("assignments.json")))
        #expect(((plan as? [String: Any])?["assignments"] as? [Any])?.count == 18)
    }

    @Test func textIsEscapedInHTMLAndInEmbeddedJSON() throws {
        let folder = try write([
            "title": "<script>alert(1)</script> & co",
            "instructions": "Rate </script><b>this</b>",
        ])
        let page = try String(contentsOf: folder.appendingPathComponent("pages/assignment-0000.html"), encoding: .utf8)
        #expect(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>"))
        #expect(!page.contains("<script>alert(1)"))
        #expect(!page.contains("</script><b>"))
        #expect(page.contains(#"\u003c\/script\u003e\u003cb\u003ethis"#))
    }

    @Test func pagesWorkOffline() throws {
        let folder = try write()
        let page = try String(contentsOf: folder.appendingPathComponent("pages/assignment-0000.html"), encoding: .utf8)
        #expect(!page.contains("http://") && !page.contains("https://"))
    }
}
