import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import WordNet

/// The reference values `Benchmarks/wn_reference.py` computed with the Python package `wn` 1.1.1
/// on the same OEWN 2025 file.
struct WnReference: Decodable {
    struct Set: Decodable {
        var name: String
        var synsets: [String]
        var labels: [String]
        var path, wup, lch: [[Double]]
        var path_simulate_root, wup_simulate_root, lch_simulate_root: [[Double]]
        var wup_lcs_ties: [[Int]]
    }

    var wn_version: String
    var taxonomy_depth_n: Int
    var sets: [Set]

    static func load() throws -> WnReference {
        try JSONDecoder().decode(WnReference.self, from: Data(contentsOf: fixture("wn-reference.json")))
    }
}

/// Against the real Open English WordNet 2025 (../shared/data or $EXPLICABLE_DATA).
@Suite(.serialized) struct ConformanceTests {
    @Test func fullReleaseCounts() throws {
        let taxonomy = try RealWordNet.taxonomy()
        let summary = taxonomy.summary()
        #expect(summary.lexicons.map(\.id) == ["oewn"] && summary.lexicons[0].version == "2025")
        #expect(summary.entries == 135_969 && summary.senses == 185_129 && summary.synsets == 107_519)
        #expect(summary.synsetsByPartOfSpeech["n"] == 71_864)
        #expect(summary.synsetRelations + summary.senseRelations == 355_064)
        #expect(summary.warnings == 0)
        #expect(taxonomy.taxonomyDepth["n"] == 19)
        // A single noun root: entity.
        let nounRoots = (0..<taxonomy.graph.synsetCount).filter {
            taxonomy.graph.synsetPOS[$0] == "n" && taxonomy.graph.hypernyms(of: Int32($0)).isEmpty
        }
        #expect(nounRoots.map { taxonomy.graph.synsetIDs[$0] } == ["oewn-00001740-n"])
    }

    @Test func pathWupLchEqualWnTo1e9() throws {
        let taxonomy = try RealWordNet.taxonomy()
        let reference = try WnReference.load()
        #expect(reference.taxonomy_depth_n == taxonomy.taxonomyDepth["n"])
        #expect(reference.sets.count == 2 && reference.sets.map(\.synsets.count) == [10, 20])
        for simulateRoot in [false, true] {
            let calculator = SimilarityCalculator(
                taxonomy: taxonomy, simulateRoot: simulateRoot, informationContent: false)
            for set in reference.sets {
                let classes = try ClassSet(name: set.name, labels: set.labels, synsets: set.synsets)
                let expected: [(Measure, [[Double]])] =
                    simulateRoot
                    ? [(.path, set.path_simulate_root), (.wup, set.wup_simulate_root), (.lch, set.lch_simulate_root)]
                    : [(.path, set.path), (.wup, set.wup), (.lch, set.lch)]
                for (measure, values) in expected {
                    let matrix = try calculator.matrix(measure, classes: classes)
                    var worst = 0.0
                    for i in 0..<classes.count {
                        // wn's wup is not well defined where several lowest common subsumers tie.
                        for j in 0..<classes.count
                        where measure != .wup || !set.wup_lcs_ties.contains(where: { $0[0] == i && $0[1] == j }) {
                            worst = max(worst, abs(matrix[i, j] - values[i][j]))
                        }
                    }
                    #expect(worst <= 1e-9, "\(set.name) \(measure) simulate_root=\(simulateRoot): max |Δ| = \(worst)")
                }
            }
        }
    }

    @Test(arguments: ["cifar10", "cifar100", "imagenet1k"])
    func builtInClassSetsMapOneToOne(name: String) throws {
        let taxonomy = try RealWordNet.taxonomy()
        let classes = try builtInClassSet(name)
        #expect(classes.count == ["cifar10": 10, "cifar100": 100, "imagenet1k": 1000][name])
        let mapper = ClassSetMapper(graph: taxonomy.graph)
        let report = mapper.check(classes)
        #expect(report.isComplete, "\(mapper.describeProblems(report))")
        // The ILI column and the WordNet 3.0 id agree with the synset the class names.
        for i in 0..<classes.count {
            let s = try #require(taxonomy.graph.synsetIndex[classes.synsets[i] ?? ""], "\(classes.labels[i])")
            #expect(taxonomy.graph.synsetILI[Int(s)] == classes.ilis[i])
        }
        #expect(Set(report.synsets ?? []).count == classes.count, "two classes share a synset")
    }

    @Test func cifar10SliceGivesTheSameMatricesForEveryMeasure() throws {
        let taxonomy = try RealWordNet.taxonomy()
        let classes = try builtInClassSet("cifar10")
        let synsets = try ClassSetMapper(graph: taxonomy.graph).resolve(classes)
        let url = try temporaryFolder().appendingPathComponent("cifar10-slice.xml")
        try SliceWriter.write(taxonomy, around: synsets, to: url)
        let slice = Taxonomy(try LMFReader.read(url))
        #expect(slice.graph.synsetCount < 200 && slice.graph.warnings.isEmpty)
        for measure in Measure.allCases {
            for simulateRoot in [false, true] {
                let a = try SimilarityCalculator(taxonomy: taxonomy, simulateRoot: simulateRoot).matrix(
                    measure, classes: classes)
                let b = try SimilarityCalculator(taxonomy: slice, simulateRoot: simulateRoot).matrix(
                    measure, classes: classes)
                #expect(a.values == b.values, "\(measure) simulate_root=\(simulateRoot)")
            }
        }
    }
}
