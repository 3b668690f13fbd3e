import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Testing
import TestSupport
import WordNet

/// What `matrix build`, `matrix import` and `matrix export` compute, on the library calls the
/// commands make (moved here from explicableTests/MatrixCommandTests, which keeps only the CLI).
/// The Likert-study cases need Studies and are in AuditTests/LikertStudyCommandLogicTests.
struct MatrixCommandLogicTests {
    /// The builder `matrix build` makes: the store, the real data folder, the mini WordNet.
    func builder(_ store: LabelStore) -> MatrixBuilder {
        MatrixBuilder(
            store: store, data: DataFolder(url: sharedData),
            taxonomy: { () throws(ExplicableError) -> Taxonomy in Taxonomy(try LMFReader.read(fixtureFile("mini.xml")))
            })
    }

    func papersCHL() throws -> ClassMatrix {
        try MatrixFile.read(
            dataFile("paper/cifar10_CHL_cmat.npy"),
            classes: ClassSet.readTSV(builtInClassSetURL("cifar10")), kind: .similarity)
    }

    func build(_ store: LabelStore, _ sources: [(String, Double)], classes: ClassSet? = nil)
        throws(ExplicableError) -> BuiltMatrix
    {
        var options = MatrixBuilder.Options()
        options.classes = classes
        let parsed = try sources.map { source throws(ExplicableError) -> (MatrixSource, weight: Double) in
            (try MatrixSource(parsing: source.0), source.1)
        }
        return try builder(store).build(parsed, options: options)
    }

    /// `train --matrix chl` with a --db that is missing or unreadable must not open (or migrate) it.
    @Test func theStoreIsOpenedOnlyForSourcesThatNeedIt() throws {
        let opened = Counter()
        var builder = MatrixBuilder(
            openStore: { () throws(ExplicableError) -> LabelStore? in
                opened.count += 1
                throw ExplicableError(.badInput, "not a label store", file: "labels.sqlite")
            },
            data: DataFolder(url: sharedData),
            taxonomy: { () throws(ExplicableError) -> Taxonomy in Taxonomy(try LMFReader.read(fixtureFile("mini.xml")))
            })
        builder.missingStorePath = "labels.sqlite"
        let cifar10 = try ClassSet.readTSV(builtInClassSetURL("cifar10"))
        let chl = try builder.matrix(named: "chl", over: cifar10)
        #expect(chl.values == (try papersCHL()).values && opened.count == 0)
        #expect(throws: ExplicableError.self) { try builder.matrix(named: "matrix:x", over: cifar10) }
        #expect(opened.count == 1)

        let none = Counter()
        builder = MatrixBuilder(
            openStore: { () throws(ExplicableError) -> LabelStore? in
                none.count += 1
                return nil
            }, data: DataFolder(url: sharedData), taxonomy: builder.taxonomy)
        builder.missingStorePath = "labels.sqlite"
        for _ in 0..<2 {
            do {
                _ = try builder.matrix(named: "likert:study", over: cifar10)
                Issue.record("a stored source without a store must fail")
            } catch {
                #expect(error.message.contains("there is no store at labels.sqlite"), "\(error.message)")
            }
        }
        #expect(none.count == 1)  // looked once, remembered that there is none
    }

    final class Counter: @unchecked Sendable { var count = 0 }

    @Test func buildsIHLFromCIFAR10HAndMergesItWithThePapersCHL() throws {
        _ = try requireCIFAR10Folder()
        let store = try LabelStore()
        let ihl = try build(store, [("cifar10h", 1)])
        let ihlProvenance = Merge.describe(ihl.matrix.provenance)
        #expect(
            ihlProvenance.contains("instance-labels") && ihlProvenance.contains("labels=511000"), "\(ihlProvenance)")
        try store.saveMatrix(StoredMatrix(name: "ihl", matrix: ihl.matrix, counts: ihl.counts))
        try store.saveMatrix(StoredMatrix(name: "paper-chl", matrix: try papersCHL()))
        let merged = try build(store, [("matrix:paper-chl", 3), ("matrix:ihl", 1)]).matrix
        let description = Merge.describe(merged.provenance)
        #expect(!description.contains("source: merge") && description.contains("merge ("), "\(description)")
        // matrix export mix -o mix.csv --svg mix.svg
        let folder = try temporaryFolder()
        try merged.write(to: folder.appendingPathComponent("mix.csv"))
        let csv = try String(contentsOf: folder.appendingPathComponent("mix.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("class,airplane,automobile,bird,"))
        let svg = MatrixSVG.heatmap(merged, title: "mix")
        #expect(svg.hasPrefix("<svg") && svg.contains(">truck</text>"))
        // matrix export mix -o t.npy --normalise softmax:1
        try merged.rowSoftmax(scale: 1).write(to: folder.appendingPathComponent("t.npy"))
        let t = try NPYArray.read(folder.appendingPathComponent("t.npy")).doubles
        #expect(t.count == 100 && abs(t[0..<10].reduce(0, +) - 1) < 1e-12)
    }

    @Test func wordnetSourceAndBadInputs() throws {
        let store = try LabelStore()
        let mini = try ClassSet.readTSV(fixtureFile("mini-classes.tsv"))
        let ekl = try build(store, [("wordnet:path", 1)], classes: mini).matrix
        #expect(ekl.kind == .similarity && ekl.count == 4)
        try store.saveMatrix(StoredMatrix(name: "ekl", matrix: ekl))
        // A matrix with NaN is refused as malformed input (exit 2), naming the cell.
        let bad = try temporaryFolder().appendingPathComponent("bad.csv")
        try Data("class,dog,cat,Rex,companion\ndog,1,0,0,0\ncat,0,1,nan,0\nRex,0,0,1,0\ncompanion,0,0,0,1\n".utf8)
            .write(to: bad)
        do {
            _ = try MatrixFile.read(bad, classes: mini, kind: .similarity)
            Issue.record("a NaN cell was accepted")
        } catch {
            #expect(
                error.isMalformedInput && error.description.hasPrefix("\(bad.path): cell (cat, Rex) is nan"), "\(error)"
            )
        }
        // Sources over different class sets do not merge (malformed input, exit 2).
        try store.saveMatrix(StoredMatrix(name: "paper-chl", matrix: try papersCHL()))
        do {
            _ = try build(store, [("matrix:paper-chl", 1), ("matrix:ekl", 1)])
            Issue.record("sources over different class sets were merged")
        } catch {
            #expect(error.isMalformedInput && error.message.contains("differ in class set"), "\(error)")
        }
        #expect(try store.matrixSummaries().map(\.name) == ["ekl", "paper-chl"])
        // An unknown source is an argument error (exit 1).
        do {
            _ = try MatrixSource(parsing: "magic:1")
            Issue.record("an unknown source was accepted")
        } catch {
            #expect(
                error.kind == .invalidArgument && error.message.hasPrefix("unknown matrix source 'magic:1'"), "\(error)"
            )
        }
    }
}
