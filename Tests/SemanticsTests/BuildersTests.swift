import ExplicableCore
import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import LabelStore
import Semantics
import Testing
import TestSupport
import WordNet

/// A file of the real data sets (fails the test when it is missing).
func dataFile(_ path: String) throws -> URL { try requireSharedData(path) }

let cifar10 = try! ClassSet(
    name: "cifar10",
    labels: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])

func matrix(_ rows: [[Double]], kind: ClassMatrix.Kind = .similarity, classes: ClassSet = pets) -> ClassMatrix {
    ClassMatrix(classes: classes, kind: kind, values: rows.flatMap { $0 }, provenance: .init(source: "test"))
}

struct ConversionTests {
    @Test func similarityAndDistanceFlipAroundTheirBound() throws {
        let s = matrix([[4, 1, 3], [2, 4, 0], [1, 1, 4]])
        let d = try s.distances()
        #expect(d.kind == .distance && d.values == [0, 3, 1, 2, 0, 4, 3, 3, 0])
        #expect(try d.similarities(bound: 4).values == s.values)
        #expect(throws: ExplicableError.self) { try s.similarities() }
        #expect(throws: ExplicableError.self) { try d.distances() }
    }

    @Test func rowSoftmaxIsTheWLFTarget() throws {
        let s = matrix([[4, 1, 3], [2, 4, 0], [1, 1, 4]])
        let t = try s.rowSoftmax(scale: 0.5)
        // Row 0 by hand: exp(2), exp(0.5), exp(1.5) over their sum.
        let z = exp(2.0) + exp(0.5) + exp(1.5)
        #expect(abs(t[0, 0] - exp(2) / z) < 1e-15 && abs(t[0, 1] - exp(0.5) / z) < 1e-15)
        for i in 0..<3 { #expect(abs(t.row(i).reduce(0, +) - 1) < 1e-12) }
        // Large scales do not overflow.
        let sharp = try s.rowSoftmax(scale: 1000)
        #expect(sharp[0, 0] == 1 && sharp.values.allSatisfy(\.isFinite))
        #expect(throws: ExplicableError.self) { try s.distances().rowSoftmax(scale: 1) }
    }

    @Test func rowL1SumsToOneAndRefusesZeroRows() throws {
        let t = try matrix([[2, 1, 1], [0, 3, 1], [1, 1, 2]]).rowL1()
        #expect(t.values == [0.5, 0.25, 0.25, 0, 0.75, 0.25, 0.25, 0.25, 0.5])
        #expect(throws: ExplicableError.self) { try matrix([[0, 0, 0], [0, 3, 1], [1, 1, 2]]).rowL1() }
        #expect(throws: ExplicableError.self) { try matrix([[.nan, 0, 1], [0, 3, 1], [1, 1, 2]]).rowL1() }
    }
}

struct InstanceLabelTests {
    @Test func smallCountsByHand() throws {
        // Two images of class 0, one each of classes 1 and 2; rows are true classes.
        let (m, labels) = try InstanceLabels.matrix(
            counts: [3, 1, 0, 2, 2, 0, 0, 1, 3, 0, 0, 4], trueLabels: [0, 0, 1, 2],
            classes: try ClassSet(name: "abc", labels: ["a", "b", "c"]), source: "t")
        #expect(labels == 16)
        #expect(m.row(0).map { $0 } == [5.0 / 8, 3.0 / 8, 0])
        #expect(m.row(1).map { $0 } == [0, 0.25, 0.75])
        #expect(m.row(2).map { $0 } == [0, 0, 1])
    }

    @Test func reproducesCIFAR10HFromTheCountsAndTheTestLabels() throws {
        let batch = try CIFARBinary(url: try dataFile("cifar-10-batches-bin/test_batch.bin"))
        let labels = (0..<batch.count).map(batch.label)
        let (m, total) = try InstanceLabels.matrix(
            countsFile: try dataFile("cifar10h/cifar10h-counts.npy"), trueLabels: labels,
            classes: cifar10)
        #expect(total == 511_000)
        for i in 0..<10 {
            #expect(abs(m.row(i).reduce(0, +) - 1) < 1e-12)
            #expect(m.row(i).allSatisfy { (0...1).contains($0) })
            #expect(m[i, i] == m.row(i).max())
        }
        // Reference values from NumPy: C[k] = counts[y == k].sum(0); M = C / C.sum(1).
        #expect(abs(m[3, 5] - 0.042367906066536204) < 1e-15)  // cat taken for dog
        #expect(abs(m[5, 3] - 0.03416829745596869) < 1e-15)
        #expect(abs(m[0, 0] - 0.9518982387475539) < 1e-15)
        #expect(abs(m[8, 0] - 0.01136986301369863) < 1e-15)
        #expect(abs(m[3, 3] - 0.9151076320939334) < 1e-15)
    }

    @Test func refusesMismatchedSizesAndBadCounts() throws {
        let abc = try ClassSet(name: "abc", labels: ["a", "b", "c"])
        #expect(throws: ExplicableError.self) {
            try InstanceLabels.matrix(counts: [1, 0, 0], trueLabels: [0, 1], classes: abc, source: "t")
        }
        #expect(throws: ExplicableError.self) {
            try InstanceLabels.matrix(
                counts: [1, -1, 0, 0, 1, 0, 0, 0, 1], trueLabels: [0, 1, 2], classes: abc, source: "t")
        }
        #expect(throws: ExplicableError.self) {  // class c has no image
            try InstanceLabels.matrix(counts: [1, 0, 0, 0, 1, 0], trueLabels: [0, 1], classes: abc, source: "t")
        }
    }
}

struct MatrixFileTests {
    @Test func readsThePapersCHLAndRoundTripsEveryExportFormat() throws {
        let chl = try MatrixFile.read(try dataFile("paper/cifar10_CHL_cmat.npy"), classes: cifar10, kind: .similarity)
        // The published CHL: 0–4 Likert means over 46 raters, diagonal 4, asymmetric.
        for i in 0..<10 { #expect(chl[i, i] == 4) }
        #expect(chl.values.allSatisfy { (0...4).contains($0) && abs($0 * 46 - ($0 * 46).rounded()) < 1e-9 })
        #expect(chl[3, 5] != chl[5, 3])
        let folder = try temporaryFolder()
        for ext in ["npy", "csv", "json"] {
            let url = folder.appendingPathComponent("chl.\(ext)")
            try chl.write(to: url)
            #expect(try MatrixFile.read(url, classes: cifar10, kind: .similarity).values == chl.values, "\(ext)")
        }
    }

    @Test func refusesWrongShapeLabelsKindAndNonFiniteValues() throws {
        let folder = try temporaryFolder()
        func failure(_ name: String, _ text: String, kind: ClassMatrix.Kind = .similarity) throws -> ExplicableError? {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            do { _ = try MatrixFile.read(url, classes: pets, kind: kind) } catch { return error }
            return nil
        }
        #expect(try failure("a.csv", "class,cat,dog\ncat,1,0\ndog,0,1\n")?.message.contains("header") == true)
        #expect(
            try failure("b.csv", "class,cat,dog,fish\ncat,1,0,0\ndog,0,1,0\n")?.message.contains("not a square") == true
        )
        #expect(try failure("c.csv", "class,cat,dog,fish\ncat,1,0,0\ndog,0,x,0\nfish,0,0,1\n")?.line == 3)
        #expect(
            try failure("d.csv", "class,cat,dog,fish\ncat,1,0,0\ndog,0,nan,0\nfish,0,0,1\n")?.message.contains("finite")
                == true)
        #expect(
            try failure(
                "e.json", #"{"kind": "distance", "labels": ["cat","dog","fish"], "values": [[0,1,1],[1,0,1],[1,1,0]]}"#)?
                .message.contains("kind") == true)
        let npy = folder.appendingPathComponent("f.npy")
        try NPYArray(shape: [2, 3], storage: .float64([0, 1, 2, 3, 4, 5])).write(to: npy)
        #expect(throws: ExplicableError.self) { try MatrixFile.read(npy, classes: pets, kind: .similarity) }
    }
}

struct MergeTests {
    @Test func combinesOnTheFirstSourcesScale() throws {
        let likert = matrix([[4, 1, 3], [2, 4, 0], [1, 1, 4]])  // off-diagonal range 0…3
        let distance = matrix([[0, 2, 1], [2, 0, 2], [1, 2, 0]], kind: .distance)  // as similarity: 2 − d
        let merged = try Merge.combine([.init(likert, weight: 3), .init(distance, weight: 1)])
        // Cell (0,1): likert unit (1−0)/3 = 1/3; the distance as similarity 0 → unit 0; mix 0.75·1/3 = 0.25 → 0 + 0.25·3.
        #expect(abs(merged[0, 1] - 0.75) < 1e-12)
        // Cell (0,2): likert 1, distance-similarity 1 → unit 1; mix 1 → 3.
        #expect(abs(merged[0, 2] - 3) < 1e-12)
        #expect(merged[1, 1] == 4 && merged.kind == .similarity)
        #expect(merged.provenance.parameters["source2"]?.contains("weight 0.25") == true)
        let other = ClassMatrix(
            classes: try ClassSet(name: "x", labels: ["a", "b", "c"]), kind: .similarity,
            values: likert.values, provenance: .init(source: "x"))
        #expect(throws: ExplicableError.self) {
            try Merge.combine([.init(likert, weight: 1), .init(other, weight: 1)])
        }
        #expect(throws: ExplicableError.self) { try Merge.combine([.init(likert, weight: 0)]) }
    }

    @Test func shrinkageMovesSparseCellsToThePrior() throws {
        let human = matrix([[4, 3, .nan], [1, 4, 2], [0, 3, 4]])
        let counts = [0, 2, 0, 8, 0, 1, 4, 4, 0]
        let prior = matrix([[1, 0.5, 1], [0, 1, 0.5], [0.25, 0.75, 1]])  // off-diagonal range 0…1 → human range 0…3
        let m = try Merge.shrink(human: human, counts: counts, prior: prior, k: 2)
        #expect(m[0, 2] == 3)  // no ratings: the prior, on the human scale
        #expect(abs(m[0, 1] - (2 * 3 + 2 * 1.5) / 4) < 1e-12)
        #expect(abs(m[1, 0] - (8 * 1 + 2 * 0) / 10) < 1e-12)
        #expect(m[1, 1] == 4)
        #expect(try Merge.shrink(human: human, counts: counts, prior: prior, k: 0)[0, 1] == 3)
    }

    /// `--prior-fit calibrated`: an unrated cell takes what raters gave the cells its prior level
    /// holds, not a linear map of the prior (people rate a "mid" WordNet pair like a far one here).
    @Test func aCalibratedPriorFollowsTheRatedCells() throws {
        let c = 6
        let near: Set<[Int]> = [[0, 1], [1, 0], [2, 3], [3, 2], [4, 5], [5, 4]]
        let mid: Set<[Int]> = [[0, 2], [2, 0], [1, 3], [3, 1], [0, 3], [3, 0]]
        let unrated: Set<[Int]> = [[4, 5], [5, 4], [0, 3], [3, 0], [4, 0]]
        var prior = [Double](repeating: 1, count: c * c), human = prior, counts = [Int](repeating: 0, count: c * c)
        for i in 0..<c {
            for j in 0..<c where i != j {
                let level = near.contains([i, j]) ? 0.9 : mid.contains([i, j]) ? 0.2 : 0.1
                prior[i * c + j] = level
                human[i * c + j] = unrated.contains([i, j]) ? .nan : level == 0.9 ? 3 : level == 0.2 ? 0.6 : 0.5
                counts[i * c + j] = unrated.contains([i, j]) ? 0 : 20
            }
        }
        let classes = try ClassSet(name: "six", labels: (0..<c).map { "c\($0)" })
        let h = ClassMatrix(classes: classes, kind: .similarity, values: human, provenance: .init(source: "likert:x"))
        let p = ClassMatrix(classes: classes, kind: .similarity, values: prior, provenance: .init(source: "prior"))
        let linear = try Merge.shrink(human: h, counts: counts, prior: p, k: 5)
        let fitted = try Merge.shrink(human: h, counts: counts, prior: p, k: 5, fit: .calibrated)
        #expect(abs(linear[0, 3] - (0.5 + 0.125 * 2.5)) < 1e-12)
        // Mid bin: 80 ratings summing to 48, shrunk toward the mean of all 500 ratings (0.916) with weight 5.
        #expect(abs(fitted[0, 3] - (48 + 5 * 0.916) / 85) < 1e-9, "\(fitted[0, 3])")
        #expect(abs(fitted[4, 5] - (240 + 5 * 0.916) / 85) < 1e-9 && abs(fitted[4, 0] - (170 + 5 * 0.916) / 345) < 1e-9)
        #expect(fitted[0, 1] == linear[0, 1] || abs(fitted[0, 1] - linear[0, 1]) < 0.1)  // rated cells stay human
        #expect(fitted.provenance.parameters["prior fit"]?.hasPrefix("calibrated") == true)
        #expect(linear.provenance.parameters["prior fit"]?.hasPrefix("min–max") == true)
    }
}

struct StoredMatrixTests {
    @Test func sameInputsSameHashAndNonFiniteIsRefused() throws {
        let store = try LabelStore()
        let m = matrix([[4, 1, 3], [2, 4, 0], [1, 1, 4]])
        try store.saveMatrix(StoredMatrix(name: "a", matrix: m, counts: [0, 1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(throws: ExplicableError.self) { try store.saveMatrix(StoredMatrix(name: "a", matrix: m)) }
        try store.saveMatrix(StoredMatrix(name: "b", matrix: m))
        let a = try store.matrix(named: "a"), b = try store.matrix(named: "b")
        #expect(
            a.contentHash == b.contentHash && a.matrix == m && a.counts == [0, 1, 2, 3, 4, 5, 6, 7, 8]
                && b.counts == nil)
        var changed = m
        changed[0, 1] = 1.5
        #expect(StoredMatrix.contentHash(changed) != a.contentHash)
        var bad = m
        bad[0, 1] = .nan
        #expect(throws: ExplicableError.self) { try store.saveMatrix(StoredMatrix(name: "c", matrix: bad)) }
        #expect(try store.matrixSummaries().map(\.name) == ["a", "b"])
        #expect(throws: ExplicableError.self) { try store.matrix(named: "c") }
    }

    @Test func svgHeatmapIsWellFormedAndEscapesLabels() throws {
        let classes = try ClassSet(name: "odd", labels: ["a<b", "c&d", "e\"f"])
        let svg = MatrixSVG.heatmap(
            ClassMatrix(
                classes: classes, kind: .similarity, values: [4, 1, 3, 2, 4, 0, 1, 1, 4],
                provenance: .init(source: "t")), title: "T & U")
        #expect(svg.contains("a&lt;b") && svg.contains("c&amp;d") && svg.contains("e&quot;f") && !svg.contains("a<b"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 9 + 32)
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
}

struct StoreSourcesTests {
    /// An instance-label study over three test images whose true classes are 0, 1, 2.
    @Test func instanceLabelsFromTheStoreUseAcceptedAnswersAndImportedCounts() throws {
        let store = try LabelStore()
        let abc = try ClassSet(name: "abc", labels: ["a", "b", "c"])
        let items = (0..<3).map {
            ItemRecord(studyId: 0, key: "image:\($0)", kind: .image, image: "cifar10-test:\($0)", targetRatings: 2)
        }
        let study = try store.createStudy(
            StudyRecord(
                name: "il", design: "instance-label", classSetId: 0, specJSON: "{}",
                createdAt: Date()), classes: abc, items: items)
        let ids = study.items.map { $0.id! }
        let submissions = try store.importFile(
            studyId: study.record.id!, fileName: "f", sha256: "1", format: "long",
            importedAt: Date()
        ) { session in
            let annotator = try session.annotatorID(platform: "p", idHash: "h", rawID: nil)
            var made: [Int64] = []
            for (assignment, answers) in [("ok", [0.0, 2, 2]), ("bad", [1.0, 1, 1])] {
                let s = try session.insertSubmission(
                    annotatorId: annotator, assignmentID: assignment, platformStatus: nil,
                    startedAt: nil, submittedAt: nil, workSeconds: nil)
                for (item, value) in zip(ids, answers) {
                    _ = try session.insertResponse(
                        submissionId: s, itemId: item, value: value, cannotTell: false,
                        reactionMs: nil, position: nil)
                }
                made.append(s)
            }
            try session.setInstanceCount(itemId: ids[1], classIndex: 1, count: 3)
            return made
        }!
        try store.storeDecisions([
            QCDecision(submissionId: submissions[0], status: .accepted, reason: nil),
            QCDecision(submissionId: submissions[1], status: .rejected, reason: "test"),
        ])
        let choices = try store.instanceChoiceCounts(studyId: study.record.id!)
        #expect(choices == ["cifar10-test:0": [0: 1], "cifar10-test:1": [2: 1, 1: 3], "cifar10-test:2": [2: 1]])
        let (m, labels) = try InstanceLabels.matrix(
            choices: choices, testLabels: [0, 1, 2, 0], classes: abc, study: "il")
        #expect(labels == 6 && m.values == [1, 0, 0, 0, 0.75, 0.25, 0, 0, 1])
        #expect(throws: ExplicableError.self) {
            try InstanceLabels.matrix(choices: ["imagenet:5": [0: 1]], testLabels: [0], classes: abc, study: "il")
        }
    }
}

struct MatrixSourceGrammarTests {
    @Test(arguments: [
        ("likert:pilot", MatrixSource.likert(study: "pilot")),
        ("instances:h", .instances(study: "h")),
        ("cifar10h", .cifar10h),
        ("counts:c.npy", .counts(path: "c.npy")),
        ("wordnet:jcn", .wordnet(.jcn)),
        ("wordnet", .wordnet(.path)),
        ("file:m.csv", .file(path: "m.csv")),
        ("matrix:chl2", .stored(name: "chl2")),
        // The spellings `train --matrix` took before there was one grammar keep working.
        ("chl", .publishedCHL),
        ("runs/m.npy", .file(path: "runs/m.npy")),
        ("m.npy", .file(path: "m.npy")),
        ("/tmp/a:b.json", .file(path: "/tmp/a:b.json")),
        ("ekl", .stored(name: "ekl")),
    ])
    func parses(text: String, source: MatrixSource) throws {
        #expect(try MatrixSource(parsing: text) == source)
    }

    @Test func refusesUnknownPrefixesAndMeasures() {
        #expect(throws: ExplicableError.self) { try MatrixSource(parsing: "nope:x") }
        #expect(throws: ExplicableError.self) { try MatrixSource(parsing: "wordnet:nope") }
        #expect(throws: ExplicableError.self) { try MatrixSource(parsing: "") }
    }

    @Test func storedNamesWithoutAStoreSayWhatIsMissing() throws {
        let builder = MatrixBuilder(
            store: nil, data: DataFolder(url: URL(fileURLWithPath: "/nonexistent")),
            taxonomy: { () throws(ExplicableError) -> Taxonomy in throw ExplicableError(.missingData, "no WordNet") })
        #expect(
            throws: ExplicableError(
                .invalidArgument, "matrix 'ekl' is read from a label store, and there is none (give --db PATH)")
        ) { try builder.matrix(named: "ekl", over: pets) }
    }
}
