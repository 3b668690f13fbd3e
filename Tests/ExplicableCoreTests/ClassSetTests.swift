import ExplicableCore
import Foundation
import Testing
import TestSupport

struct ClassSetTests {
    @Test func parsesTheStandardColumns() throws {
        let text =
            "index\tlabel\toewn\tili\tpwn30\n# comment\n0\tairplane\toewn-02694015-n\ti49901\t02691156-n\n1\tcat\t\t-\t\n"
        let set = try ClassSet.parseTSV(text, file: "c.tsv", name: "two")
        #expect(set.labels == ["airplane", "cat"])
        #expect(set.synsets == ["oewn-02694015-n", nil])
        #expect(set.ilis == ["i49901", nil])
        #expect(set.wordnet30 == ["02691156-n", nil])
        #expect(try ClassSet.parseTSV(set.tsv(), file: "again", name: "two") == set)
    }

    @Test(arguments: [
        ("label\n", "c.tsv:1: missing column 'index' in header (expected index, label, oewn, ili, pwn30)"),
        ("index\tlabel\n1\tcat\n", "c.tsv:2: field 'index' must be 0, found '1'"),
        ("index\tlabel\n0\tcat\textra\n", "c.tsv:2: expected 2 tab-separated fields, found 3"),
        ("index\tlabel\n0\t\n", "c.tsv:2: field 'label' is empty"),
        ("index\tlabel\n0\tcat\n1\tcat\n", "c.tsv: class set 'x': label 'cat' appears at index 0 and 1"),
        ("", "c.tsv: empty class-set file (no header)"),
    ])
    func rejectsBadFiles(text: String, message: String) {
        #expect(throws: ExplicableError.self) { try ClassSet.parseTSV(text, file: "c.tsv", name: "x") }
        do {
            _ = try ClassSet.parseTSV(text, file: "c.tsv", name: "x")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func builtInSetsAreFoundThroughExplicableHome() throws {
        let set = try ClassSetCatalog.load("cifar10", environment: ["EXPLICABLE_HOME": repositoryRoot.path])
        #expect(set.count == 10 && set.labels.first == "airplane" && set.name == "cifar10")
        #expect(throws: ExplicableError.self) { try ClassSetCatalog.load("cifar11", environment: [:]) }
    }
}

struct ClassMatrixExportTests {
    func sample() throws -> ClassMatrix {
        let classes = try ClassSet(name: "pets", labels: ["cat", "dog, big"], synsets: ["s1", nil])
        return ClassMatrix(
            classes: classes, kind: .similarity, values: [1, 0.25, 0.5, .infinity],
            provenance: .init(source: "test", parameters: ["b": "2", "a": "1"]))
    }

    @Test func csvHasALabelHeaderAndQuotesCommas() throws {
        #expect(try sample().csv() == "class,cat,\"dog, big\"\ncat,1.0,0.25\n\"dog, big\",0.5,inf\n")
    }

    @Test func jsonCarriesLabelsKindAndProvenance() throws {
        let object = try JSONSerialization.jsonObject(with: try sample().json()) as! [String: Any]
        #expect(object["labels"] as? [String] == ["cat", "dog, big"])
        #expect(object["kind"] as? String == "similarity")
        #expect(object["classSet"] as? String == "pets")
        let rows = object["values"] as! [[Any]]
        #expect(rows[0] as? [Double] == [1, 0.25])
        #expect(rows[1][1] as? String == "Infinity")
        let provenance = object["provenance"] as! [String: Any]
        #expect(provenance["parameters"] as? [String: String] == ["a": "1", "b": "2"])
    }

    @Test func npyIsFloat64SquareInClassOrder() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("m.npy")
        try sample().write(to: url)
        let back = try NPYArray.read(url)
        #expect(back.shape == [2, 2] && back.doubles == [1, 0.25, 0.5, .infinity])
    }

    @Test func unknownExtensionIsRefusedAndNothingIsWritten() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("m.txt")
        #expect(throws: ExplicableError.self) { try sample().write(to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func tableAlignsLabels() throws {
        let table = try sample().table(digits: 2)
        #expect(table == "               cat  dog, big\ncat           1.00      0.25\ndog, big      0.50       inf\n")
    }
}

struct DataFolderTests {
    @Test func resolvesExplicitThenEnvironmentThenCache() {
        #expect(DataFolder.resolve("/x", environment: ["EXPLICABLE_DATA": "/y"]).url.path == "/x")
        #expect(DataFolder.resolve(nil, environment: ["EXPLICABLE_DATA": "/y"]).url.path == "/y")
        #expect(DataFolder.resolve(nil, environment: ["HOME": "/home/u"]).url.path == "/home/u/.cache/explicable")
    }

    @Test func missingFileSaysWhereToPutIt() {
        let folder = DataFolder(url: URL(fileURLWithPath: "/nonexistent-data"))
        #expect {
            _ = try folder.locate(["wordnet/x.xml.gz"], what: "WordNet", fetchHint: "explicable data fetch wordnet")
        } throws: { error in
            let e = error as! ExplicableError
            return e.kind == .missingData && e.message.contains("/nonexistent-data/wordnet/x.xml.gz")
                && e.message.contains("explicable data fetch wordnet")
        }
    }
}
