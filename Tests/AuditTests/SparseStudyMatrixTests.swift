import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import TestSupport
import Testing

/// `matrix build --from likert:STUDY` on sparse class-pair studies: unrated pairs come from the
/// prior, and the provenance and per-cell counts say which cells are human and which the prior's.
struct SparseStudyMatrixTests {
    /// The CIFAR-10 Likert spec asking about each class's 2 nearest classes under the stored
    /// matrix `prior` (the paper's CHL), 3 raters who all give the rounded CHL value; QC'd.
    func sparseStudy(pairs: Any) throws -> (LabelStore, Study, folder: URL) {
        let folder = try temporaryFolder()
        let store = try LabelStore(path: folder.appendingPathComponent("s.sqlite").path)
        try store.saveMatrix(StoredMatrix(name: "prior", matrix: try papersCHL()))
        var object =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json")))
            as! [String: Any]
        object["name"] = "sparse"
        object["pairs"] = pairs
        object["ratingsPerItem"] = 3
        object["itemsPerAssignment"] = 2
        object["qc"] = ["maxFailedAttentionChecks": 0]  // two pairs of equal value would be "straight-lining"
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let spec = try StudySpec.decode(data, file: "sparse.json")
        try Data("cat\tdog\ndog\tcat\n".utf8).write(to: folder.appendingPathComponent("pairs.tsv"))
        let study = try Study.create(
            spec: spec, specJSON: String(decoding: data, as: UTF8.self),
            classes: try ClassSet.readTSV(builtInClassSetURL("cifar10")), in: store,
            inputs: .init(prior: try papersCHL(), specFolder: folder))
        let chl = try papersCHL()
        var csv = "annotator,item,value,assignment\n"
        for rater in 0..<3 {
            for item in study.items {
                let value = item.isAttentionCheck ? item.expectedAnswer! : chl[item.classA!, item.classB!].rounded()
                csv += "r\(rater),\(item.key),\(Int(value)),a\(rater)\n"
            }
        }
        let file = folder.appendingPathComponent("ratings.csv")
        try Data(csv.utf8).write(to: file)
        _ = try Importer(study: study, store: store).run(file, options: ImportOptions(format: .long))
        let rows = try QualityControl(study: study, store: store).run()
        #expect(rows.allSatisfy { $0.status == .accepted }, "\(rows)")
        return (store, study, folder)
    }

    @Test func unratedCellsComeFromTheStudysPriorAndAreMarked() throws {
        let (store, study, _) = try sparseStudy(pairs: ["neighbours": 2, "prior": "matrix:prior"])
        let rated = Set(study.items.filter { $0.kind == .pair }.map { $0.classA! * 10 + $0.classB! })
        #expect(rated.count == 20)
        // No --prior: the study's own prior fills the 70 other pairs.
        let built = try builder(store).build([(.likert(study: "sparse"), 1)], options: MatrixBuilder.Options())
        let m = built.matrix, counts = try #require(built.counts)
        #expect(
            m.provenance.parameters["cells"] == "human: 20 off-diagonal cells with ratings (shrunk toward the prior); "
                + "prior: 70 cells without ratings, the prior's value (per cell: counts = 0)")
        #expect(m.provenance.parameters["prior"]?.contains("stored as=prior") == true, "\(m.provenance.parameters)")
        #expect(m.provenance.parameters["shrinkage"] == "n/(n+k) toward the prior, k = 5")
        for cell in 0..<100 where cell / 10 != cell % 10 {
            #expect((counts[cell] > 0) == rated.contains(cell), "cell \(cell)")
            #expect(counts[cell] == 0 || counts[cell] == 3)
        }
        // A prior cell is the prior mapped onto the human range; a rated cell is (3·human + 5·prior)/8.
        let chl = try papersCHL()
        let off = (0..<100).filter { $0 / 10 != $0 % 10 }
        let pLo = off.map { chl.values[$0] }.min()!, pHi = off.map { chl.values[$0] }.max()!
        let hLo = rated.map { chl.values[$0].rounded() }.min()!, hHi = rated.map { chl.values[$0].rounded() }.max()!
        func prior(_ cell: Int) -> Double { hLo + (chl.values[cell] - pLo) / (pHi - pLo) * (hHi - hLo) }
        for cell in off {
            let expected = rated.contains(cell) ? (3 * chl.values[cell].rounded() + 5 * prior(cell)) / 8 : prior(cell)
            #expect(isClose(m.values[cell], expected), "cell \(cell)")
        }
        // Stored, the counts keep the mark.
        try store.saveMatrix(StoredMatrix(name: "m", matrix: m, counts: built.counts))
        #expect(try store.matrix(named: "m").counts == counts)
        // --prior-fit calibrated: the unrated cells take the calibration of the rated ones instead, said so.
        var options = MatrixBuilder.Options()
        options.priorFit = .calibrated
        let calibrated = try builder(store).build([(.likert(study: "sparse"), 1)], options: options).matrix
        #expect(calibrated.provenance.parameters["prior fit"]?.hasPrefix("calibrated on the rated cells") == true)
        #expect(m.provenance.parameters["prior fit"] == "min–max onto the rated cells' range")
        let priorCells = off.filter { !rated.contains($0) }
        #expect(priorCells.contains { abs(calibrated.values[$0] - m.values[$0]) > 0.1 })
        #expect(rated.allSatisfy { calibrated.values[$0].isFinite })
    }

    @Test func aPairFileStudyNeedsAPrior() throws {
        let (store, _, _) = try sparseStudy(pairs: ["file": "pairs.tsv"])
        do {
            _ = try builder(store).build([(.likert(study: "sparse"), 1)], options: MatrixBuilder.Options())
            Issue.record("a sparse matrix without a prior was built")
        } catch {
            #expect(error.description.contains("has no value (nobody rated this pair; add a --prior or more ratings)"))
        }
        var options = MatrixBuilder.Options()
        options.prior = .stored(name: "prior")
        let built = try builder(store).build([(.likert(study: "sparse"), 1)], options: options)
        #expect(built.matrix.provenance.parameters["cells"]?.hasPrefix("human: 2 off-diagonal cells") == true)
    }
}
