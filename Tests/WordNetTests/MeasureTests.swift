import ExplicableCore
import Foundation
import Testing
import TestSupport
@testable import WordNet

/// Measures on the mini wordnet, against values worked out by hand.
///
/// The taxonomy (edges point up): E ← P ← O ← N ← {D, C}; E ← A ← T ← D (dog has two
/// hypernyms); R is an instance of D; X is a second noun root. Shortest upward distances:
/// D: N 1, T 1, O 2, A 2, P 3, E 3 · C: N 1, O 2, P 3, E 4 · R: D 1, N 2, T 2, … · T: A 1, E 2.
/// Max depths: E 0, P 1, A 1, O 2, T 2, N 3, D 4, C 4, R 5; noun taxonomy depth 5.
struct MeasureTests {
    let calculator: SimilarityCalculator
    let rooted: SimilarityCalculator
    let ids: [String: Int32]

    init() throws {
        let taxonomy = Taxonomy(try LMFReader.read(fixture("mini.xml")))
        calculator = SimilarityCalculator(taxonomy: taxonomy)
        rooted = SimilarityCalculator(taxonomy: taxonomy, simulateRoot: true)
        ids = taxonomy.graph.synsetIndex
    }

    func value(_ m: Measure, _ a: String, _ b: String, simulateRoot: Bool = false) throws -> Double {
        try (simulateRoot ? rooted : calculator).value(m, ids["mini-" + a]!, ids["mini-" + b]!)
    }

    @Test func taxonomyStatistics() {
        let t = calculator.taxonomy
        #expect(t.taxonomyDepth["n"] == 5 && t.taxonomyDepth["v"] == 0)
        #expect(t.synsetCount["n"] == 10)
        #expect(t.maxDepth[Int(ids["mini-D"]!)] == 4 && t.maxDepth[Int(ids["mini-R"]!)] == 5)
        let counts = t.hyponymCounts()
        let expected = ["E": 8, "P": 5, "O": 4, "A": 3, "N": 3, "T": 2, "D": 1, "C": 0, "R": 0, "X": 0]
        for (name, count) in expected { #expect(counts[Int(ids["mini-" + name]!)] == count, "\(name)") }
    }

    @Test func pathSimilarity() throws {
        #expect(try value(.path, "D", "D") == 1)
        #expect(try value(.path, "D", "C") == 1.0 / 3)  // via animal
        #expect(try value(.path, "R", "C") == 1.0 / 4)  // instance edge counts as one step
        #expect(try value(.path, "T", "C") == 1.0 / 7)  // only through entity
        #expect(try value(.path, "X", "D") == 0)  // no common root
        #expect(try value(.path, "X", "D", simulateRoot: true) == 1.0 / 6)  // X→*ROOT*←E←A←T←D
    }

    @Test func wuPalmer() throws {
        #expect(try value(.wup, "D", "D") == 1)
        #expect(try value(.wup, "D", "C") == 0.8)  // lcs animal, k = 4, i = j = 1
        #expect(try value(.wup, "T", "C") == 0.25)  // lcs entity, k = 1, i = 2, j = 4
        #expect(try value(.wup, "X", "D", simulateRoot: true) == 2.0 / 7)  // lcs *ROOT*, k = 1, i = 1, j = 4
        #expect(throws: ExplicableError.self) { try value(.wup, "X", "D") }
    }

    @Test func leacockChodorow() throws {
        #expect(isClose(try value(.lch, "D", "C"), -log(3.0 / 10)))
        #expect(isClose(try value(.lch, "D", "D"), -log(1.0 / 10)))
        #expect(isClose(try value(.lch, "X", "D", simulateRoot: true), -log(6.0 / 10)))
        #expect(throws: ExplicableError.self) { try value(.lch, "X", "D") }
    }

    @Test func lowestCommonAncestorHeight() throws {
        #expect(try value(.lcaHeight, "D", "D") == 0)
        #expect(try value(.lcaHeight, "D", "C") == 1)
        #expect(try value(.lcaHeight, "R", "C") == 2)
        // Multiple inheritance: dog reaches entity in 3 steps through companion, cat in 4.
        #expect(try value(.lcaHeight, "T", "C") == 4)
        #expect(try value(.lcaHeight, "T", "D") == 1)  // companion is dog's parent
        #expect(try value(.lcaHeight, "X", "D", simulateRoot: true) == 4)
    }

    @Test func informationContentMeasures() throws {
        func ic(_ hyponyms: Double) -> Double { 1 - log(hyponyms + 1) / log(10) }
        #expect(isClose(try value(.res, "D", "C"), ic(3)))  // animal
        #expect(isClose(try value(.res, "T", "C"), ic(8)))  // entity: IC 0.0458
        #expect(isClose(try value(.lin, "D", "C"), 2 * ic(3) / (ic(1) + ic(0))))
        #expect(isClose(try value(.jcn, "D", "C"), 1 / (ic(1) + ic(0) - 2 * ic(3))))
        #expect(try value(.jcn, "D", "D") == .infinity)
        #expect(try value(.lin, "C", "C") == 1)
    }

    @Test func partsOfSpeechMustMatch() {
        #expect(throws: ExplicableError.self) { try value(.path, "D", "V") }
    }

    @Test func matrixEqualsPairwiseValuesForEveryMeasure() throws {
        let classes = try ClassSet.readTSV(fixture("mini-classes.tsv"))
        for measure in Measure.allCases {
            let matrix = try calculator.matrix(measure, classes: classes)
            #expect(matrix.kind == measure.kind)
            #expect(matrix.provenance.parameters["measure"] == measure.rawValue)
            let names = ["D", "C", "R", "T"]
            for i in 0..<4 {
                for j in 0..<4 {
                    #expect(matrix[i, j] == (try value(measure, names[i], names[j])), "\(measure) \(i) \(j)")
                }
            }
        }
    }

    @Test func matrixNamesUnmappedClasses() throws {
        let classes = try ClassSet(name: "bad", labels: ["dog", "unicorn", "animal"], synsets: [nil, nil, "mini-404"])
        do {
            _ = try calculator.matrix(.path, classes: classes)
            Issue.record("unmapped classes were accepted")
        } catch {
            #expect(
                error.message.contains(
                    "class 0 'dog': ambiguous, 2 noun synsets: mini-D (a domesticated canid), mini-C"))
            #expect(error.message.contains("class 1 'unicorn': missing"))
            #expect(error.message.contains("class 2 'animal': missing (synset 'mini-404' is not in the wordnet)"))
        }
    }
}
