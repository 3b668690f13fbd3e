import ExplicableCore
import Foundation
import LabelStore
import Studies
import TestSupport
import Testing

/// The paper's CIFAR-10 CHL as a prior (similarities 0–4, rows = true class).
func chlPrior() throws -> ClassMatrix {
    let values = try NPYArray.read(requireSharedData("paper/cifar10_CHL_cmat.npy")).doubles
    return ClassMatrix(classes: cifar10, kind: .similarity, values: values, provenance: .init(source: "chl"))
}

/// A class-neighbours spec over CIFAR-10 (the Likert fixture with the neighbour fields).
func neighbourSpec(_ changes: [String: Any?] = [:]) throws -> (StudySpec, String) {
    var all: [String: Any?] = [
        "design": "class-neighbours",
        "question": "A classifier is shown an image of a {{a}}. Which of these could it mistake it for?",
        "pairs": ["neighbours": 3, "prior": "chl", "extra": 5],
        "screen": ["candidates": 2, "decoys": 1],
        "attentionChecksPerAssignment": 0, "attentionChecks": [],
        "ratingsPerItem": 2, "itemsPerAssignment": 4,
        "qc": ["maxFailedAttentionChecks": 0, "maxSameAnswerShare": 0.5],
    ]
    for (k, v) in changes { all[k] = v }
    let data = try likertSpec(all)
    return (try StudySpec.decode(data, file: "neighbours.json"), String(decoding: data, as: UTF8.self))
}

struct SparseDesignTests {
    // MARK: Pair lists

    @Test func pairListReadsLabelsIndicesCommentsAndAHeader() throws {
        let url = try writeFile("class_a\tclass_b\n# near pairs\ncat\tdog\n\n3,1\n  9\t1  \n", name: "pairs.tsv")
        #expect(try PairList.read(url, classes: cifar10) == [ClassPair(3, 1), ClassPair(3, 5), ClassPair(9, 1)])
    }

    @Test(arguments: [
        (
            "cat\tdog\ncat\tpony\n",
            "pairs.tsv:2: unknown class 'pony' (expected a label of cifar10 such as "
                + "airplane, automobile, bird, cat, deer, …, or an index 0–9)"
        ),
        ("cat\tcat\n", "pairs.tsv:1: a class paired with itself ('cat'): the diagonal is never asked"),
        ("cat\tdog\n# again\n3\t5\n", "pairs.tsv:3: pair cat → dog repeats line 1"),
        ("cat\tdog\tbird\n", "pairs.tsv:1: expected two classes 'a<TAB>b', found 3 fields"),
        ("cat\n", "pairs.tsv:1: expected two classes 'a<TAB>b', found 1 field"),
        (
            "cat\t10\n",
            "pairs.tsv:1: unknown class '10' (expected a label of cifar10 such as "
                + "airplane, automobile, bird, cat, deer, …, or an index 0–9)"
        ),
        ("# nothing\n", "pairs.tsv: no pairs in the file"),
    ])
    func pairListErrorsNameFileAndLine(text: String, message: String) throws {
        let url = try writeFile(text, name: "pairs.tsv")
        do {
            _ = try PairList.read(url, classes: cifar10)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.kind == .badInput)
            #expect(error.description.hasSuffix(message), "\(error.description)")
        }
    }

    @Test func aPairFileStudyHasItemsForItsPairsOnly() throws {
        let folder = try temporaryFolder()
        try Data("cat\tdog\ndog\tcat\ntruck\tautomobile\n".utf8).write(to: folder.appendingPathComponent("pairs.tsv"))
        let spec = try StudySpec.decode(try likertSpec(["pairs": ["file": "pairs.tsv"]]), file: "s.json")
        let items = try Study.makeItems(spec, classes: cifar10, inputs: .init(specFolder: folder))
        #expect(items.filter { $0.kind == .pair }.map(\.key) == ["pair:3:5", "pair:5:3", "pair:9:1"])
        #expect(items.filter(\.isAttentionCheck).count == 2)
        // A bad file stops creation, naming it.
        let bad = try StudySpec.decode(try likertSpec(["pairs": ["file": "missing.tsv"]]), file: "s.json")
        #expect(throws: ExplicableError.self) {
            try Study.makeItems(bad, classes: cifar10, inputs: .init(specFolder: folder))
        }
    }

    @Test func neighbourPairsNeedThePriorAndAreDeterministicForTheSeed() throws {
        let spec = try StudySpec.decode(
            try likertSpec(["pairs": ["neighbours": 2, "prior": "chl", "extra": 0.1]]),
            file: "s.json")
        #expect(spec.pairs == .neighbours(k: 2, prior: "chl", extra: .share(0.1)))
        do {
            _ = try Study.makeItems(spec, classes: cifar10)
            Issue.record("no error without a prior")
        } catch {
            #expect(error.description == "the spec's pairs need the prior matrix 'chl', and none was given")
        }
        let prior = try chlPrior()
        let a = try Study.selectPairs(spec, classes: cifar10, inputs: .init(prior: prior))
        #expect(a == (try Study.selectPairs(spec, classes: cifar10, inputs: .init(prior: prior))))
        // 2 per class, plus 10% of the 70 pairs left.
        #expect(a.count == 20 + 7)
        #expect(a == PairDesign.neighbours(prior: prior, k: 2, extra: 7, seed: spec.seed))
        for c in 0..<10 {
            let top = PairDesign.ranking(prior, row: c).prefix(2)
            #expect(top.allSatisfy { a.contains(ClassPair(c, $0)) })
        }
    }

    @Test(arguments: [
        (#"{"pairs": "some"}"#, #"field 'pairs': expected "all""#),
        (#"{"pairs": {"neighbours": -1, "prior": "chl"}}"#, "field 'pairs.neighbours' must be between 0 and 1000"),
        (#"{"pairs": {"neighbours": 3, "prior": "chl", "extra": 2.5}}"#, "field 'pairs.extra'"),
        (
            #"{"design": "instance-label", "images": {"source": "cifar10-test", "count": 5}, "pairs": {"file": "p.tsv"}}"#,
            "field 'pairs' applies to class-pair designs only"
        ),
        (
            #"{"design": "class-neighbours", "question": "{{a}}?", "attentionChecksPerAssignment": 0}"#,
            #"field 'pairs' must be {"neighbours": K, "prior": SOURCE} for the class-neighbours design"#
        ),
        (
            #"{"design": "class-neighbours", "question": "{{a}}?", "pairs": {"neighbours": 3, "prior": "chl"}}"#,
            "field 'attentionChecksPerAssignment' must be 0 for class-neighbours (its decoys are the checks)"
        ),
        (
            #"{"design": "class-neighbours", "question": "{{a}}?", "attentionChecksPerAssignment": 0, "#
                + #""pairs": {"neighbours": 3, "prior": "chl"}, "screen": {"decoyPool": 1.5}}"#,
            "field 'screen.decoyPool' must be a share in (0, 1]"
        ),
    ])
    func badPairFieldsAreNamed(changes: String, message: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(changes.utf8)) as! [String: Any]
        do {
            _ = try StudySpec.decode(try likertSpec(object), file: "s.json")
            Issue.record("no error for \(changes)")
        } catch let error as ExplicableError {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    // MARK: class-neighbours

    @Test func neighbourItemsMapToPairsAndFarDecoysScreenByScreen() throws {
        let (spec, _) = try neighbourSpec()
        let prior = try chlPrior()
        let items = try Study.makeItems(spec, classes: cifar10, inputs: .init(prior: prior))
        let pairs = items.filter { $0.kind == .pair }
        // Every candidate is the pair a → b with its classes, rated like a class-pair item.
        let selected = try Study.selectPairs(spec, classes: cifar10, inputs: .init(prior: prior))
        #expect(pairs.map { ClassPair($0.classA!, $0.classB!) }.sorted() == selected)
        #expect(pairs.allSatisfy { $0.key == "pair:\($0.classA!):\($0.classB!)" && $0.targetRatings == 2 })
        let decoys = items.filter(\.isAttentionCheck)
        #expect(decoys.allSatisfy { $0.key.hasPrefix("decoy:") && $0.expectedAnswer == 0 && $0.kind == .attention })
        for d in decoys {
            let a = d.classA!, b = d.classB!
            #expect(!selected.contains(ClassPair(a, b)), "decoy \(d.key) is also asked")
            // From the farthest 25% of a's ranking (3 of 9 classes, rounded up).
            #expect(PairDesign.ranking(prior, row: a).suffix(3).contains(b), "decoy \(d.key) is not far")
        }
        let study = try Study.create(
            spec: spec, specJSON: try neighbourSpec().1, classes: cifar10, in: try LabelStore(),
            inputs: .init(prior: prior))
        let screens = study.screens
        // 3 neighbours + extras per class, 2 candidates a screen, one decoy each (while the pool lasts).
        #expect(screens.allSatisfy { (1...2).contains($0.pairKeys.count) && $0.decoyKeys.count <= 1 })
        #expect(screens.flatMap(\.pairKeys).sorted() == pairs.map(\.key).sorted())
        #expect(Set(screens.flatMap(\.decoyKeys)) == Set(decoys.map(\.key)))
        for s in screens {
            #expect(s.keys.allSatisfy { study.item(key: $0)?.classA == s.shown })
        }
        #expect(
            study.text(of: study.item(key: screens[0].pairKeys[0])!)
                == cifar10.labels[study.item(key: screens[0].pairKeys[0])!.classB!])
        #expect(study.screenQuestion(shown: 3).hasPrefix("A classifier is shown an image of a cat."))
    }

    @Test func theTaskPlanDealsWholeScreens() throws {
        let (spec, json) = try neighbourSpec()
        let study = try Study.create(
            spec: spec, specJSON: json, classes: cifar10, in: try LabelStore(),
            inputs: .init(prior: try chlPrior()))
        let plan = try TaskPlan(study: study)
        let screens = study.screens
        let screenOf = Dictionary(uniqueKeysWithValues: screens.enumerated().flatMap { i, s in s.keys.map { ($0, i) } })
        var seen: [Int: Int] = [:]
        for assignment in plan.assignments {
            // Each screen's keys stand together, once, and whole.
            var runs: [Int] = []
            for key in assignment.itemKeys {
                let s = try #require(screenOf[key])
                if runs.last != s { runs.append(s) }
            }
            #expect(Set(runs).count == runs.count && runs.count <= spec.itemsPerAssignment)
            #expect(runs.reduce(0) { $0 + screens[$1].keys.count } == assignment.itemKeys.count)
            for s in runs { seen[s, default: 0] += 1 }
        }
        #expect(seen.count == screens.count && seen.values.allSatisfy { $0 == spec.ratingsPerItem })
        #expect(try TaskPlan(study: study) == plan)
    }

    /// One payload per annotator: every candidate and decoy of the assignment answered, unticked ones 0.
    func neighbourAnswers(_ study: Study, ticks: [String: [String: Double]]) throws -> URL {
        let plan = try TaskPlan(study: study)
        var lines: [String] = []
        for (n, (who, values)) in ticks.sorted(by: { $0.key < $1.key }).enumerated() {
            let keys = plan.assignments[n % plan.assignments.count].itemKeys
            let responses = keys.map { key -> [String: Any] in
                [
                    "item": key, "value": values[key] ?? values[String(key.prefix(5))] ?? 0, "rt_ms": NSNull(),
                    "cannot_tell": false,
                ]
            }
            let payload: [String: Any] = [
                "format": "explicable-payload/1", "study": study.spec.name,
                "assignment": n % plan.assignments.count, "session_id": who, "prolific_pid": who,
                "started_at": "2026-12-01T10:00:00Z", "submitted_at": "2026-12-01T10:05:00Z", "responses": responses,
            ]
            lines.append(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]),
                    as: UTF8.self))
        }
        return try writeFile(lines.joined(separator: "\n") + "\n", name: "payloads.jsonl")
    }

    @Test func neighbourPayloadsImportAndDecoysRatedHighFailQC() throws {
        let (spec, json) = try neighbourSpec()
        let store = try LabelStore()
        let study = try Study.create(
            spec: spec, specJSON: json, classes: cifar10, in: store, inputs: .init(prior: try chlPrior()))
        let plan = try TaskPlan(study: study)
        let first = plan.assignments[0].itemKeys, second = plan.assignments[1].itemKeys
        let decoyOfFirst = try #require(first.first { $0.hasPrefix("decoy:") })
        let ticked = try #require(first.first { $0.hasPrefix("pair:") })
        // "careful" ticks one candidate at 3; "careless" (assignment 1) ticks everything at 4, decoys included;
        // "neutral" (assignment 2) rates its decoys 2, which passes (decoyPassMax defaults to the midpoint).
        let file = try neighbourAnswers(
            study,
            ticks: [
                "a-careful": [ticked: 3], "b-careless": ["pair:": 4, "decoy": 4], "c-neutral": ["decoy": 2],
            ])
        let report = try Importer(study: study, store: store).run(file, options: .init(format: .payload))
        #expect(report.rowsRejected == 0 && report.submissionsAdded == 3)
        #expect(report.responsesAdded == first.count + second.count + plan.assignments[2].itemKeys.count)
        let rows = try QualityControl(study: study, store: store).run()
        let careful = try #require(
            rows.first { $0.answers == first.count && $0.failedChecks == 0 && $0.status == .accepted })
        #expect(careful.sameAnswerShare! > 0.5)  // mostly 0: the straight-lining rule is off for this design
        let careless = try #require(rows.first { $0.status == .rejected })
        #expect(
            careless.reason == "failed \(second.filter { $0.hasPrefix("decoy:") }.count) attention check"
                + (second.filter { $0.hasPrefix("decoy:") }.count == 1 ? "" : "s"))
        #expect(rows.count == 3 && rows.filter { $0.status == .accepted }.count == 2)
        #expect(first.contains(decoyOfFirst))
        // Unticked candidates are stored as ratings of 0, ticked ones with their level.
        let stored = try store.acceptedPairRatings(studyId: study.id)
        #expect(stored.count == (first + plan.assignments[2].itemKeys).filter { $0.hasPrefix("pair:") }.count)
        let item = study.item(key: ticked)!
        #expect(stored.contains { $0.classA == item.classA && $0.classB == item.classB && $0.value == 3 })
        #expect(stored.filter { $0.value == 0 }.count == stored.count - 1)
    }

    @Test func statusCountsPairsAndPricesScreens() throws {
        let (spec, json) = try neighbourSpec()
        let store = try LabelStore()
        let study = try Study.create(
            spec: spec, specJSON: json, classes: cifar10, in: store, inputs: .init(prior: try chlPrior()))
        let status = try StudyStatus.of(study, in: store)
        let pairs = study.items.filter { $0.kind == .pair }.count
        #expect(status.items == pairs && status.targetRatings == pairs * 2)
        // An assignment holds 4 screens of pairs/screens candidates on average.
        let perAssignment = 4 * Double(pairs) / Double(study.screens.count)
        #expect(status.assignmentsRemaining == Int((Double(pairs * 2) / perAssignment).rounded(.up)))
    }

    // MARK: 1,000 classes

    @Test func aThousandClassNeighbourStudyIsCreatedStoredAndCounted() throws {
        let imagenet = try ClassSet.readTSV(builtInClassSetURL("imagenet1k"))
        let n = imagenet.count
        #expect(n == 1_000)
        // A banded prior (classes near in index are alike): enough to check the sizes.
        var values = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { values[i * n + j] = -Double(abs(i - j)) } }
        let prior = ClassMatrix(
            classes: imagenet, kind: .similarity, values: values, provenance: .init(source: "banded"))
        let (spec, json) = try neighbourSpec([
            "name": "imagenet-neighbours", "classSet": "imagenet1k",
            "pairs": ["neighbours": 8, "prior": "banded", "extra": 2_000], "screen": ["candidates": 12, "decoys": 2],
            "ratingsPerItem": 5, "itemsPerAssignment": 10,
        ])
        let store = try LabelStore(path: try temporaryFolder().appendingPathComponent("big.sqlite").path)
        let study = try Study.create(
            spec: spec, specJSON: json, classes: imagenet, in: store, inputs: .init(prior: prior))
        let pairs = study.items.filter { $0.kind == .pair }
        #expect(pairs.count == 8_000 + 2_000)
        #expect(study.screens.count >= 1_000 && study.screens.count <= 1_000 + 2_000)
        #expect(study.items.filter(\.isAttentionCheck).count == 2 * study.screens.count)
        let reloaded = try Study.named("imagenet-neighbours", in: store)
        #expect(reloaded.items.count == study.items.count)
        let status = try StudyStatus.of(reloaded, in: store)
        #expect(status.items == 10_000 && status.targetRatings == 50_000 && status.ratingsCollected == 0)
        let plan = try TaskPlan(study: reloaded)
        #expect(plan.assignments.count == Int((Double(study.screens.count * 5) / 10).rounded(.up)))
    }
}
