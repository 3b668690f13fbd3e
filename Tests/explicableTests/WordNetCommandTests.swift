import ExplicableCore
import Foundation
import Testing
import TestSupport
import WordNet

struct WordNetCommandTests {
    @Test func infoPrintsCountsOfTheMiniWordNet() throws {
        let r = try run("wordnet", "info", fixture("mini.xml.gz"))
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("lexicon: mini \"Mini WordNet\" version 1.0"))
        #expect(r.out.contains("entries: 13  senses: 14  synsets: 11 (n 10, v 1)"))
        #expect(r.out.contains("taxonomy depth: n 5, v 0"))
    }

    @Test func infoJSONIsMachineReadable() throws {
        let r = try run("wordnet", "info", "--lmf", fixture("mini.xml"), "--json")
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let summary = object["summary"] as! [String: Any]
        #expect(summary["synsets"] as? Int == 11)
    }

    @Test func malformedFileIsOneLineOnStderrExitTwoNothingOnStdout() throws {
        let folder = try temporaryFolder()
        let bad = folder.appendingPathComponent("bad.xml")
        try Data("<?xml version=\"1.0\"?>\n<LexicalResource>\n<Lexicon id=\"x\">\n</Lexicn>\n".utf8).write(to: bad)
        let r = try run("wordnet", "info", bad.path)
        #expect(r.status == 2)
        #expect(r.out.isEmpty)
        #expect(r.err.hasPrefix("Error: \(bad.path):4:"), "\(r.err)")
        #expect(r.err.contains("Opening and ending tag mismatch"))
        #expect(r.err.filter { $0 == "\n" }.count == 1)
    }

    @Test func missingDataSaysWhatToPutWhere() throws {
        let data = try temporaryFolder()
        let r = try run("wordnet", "matrix", "cifar10", "--data", data.path)
        #expect(r.status == 1 && r.out.isEmpty)
        #expect(r.err.contains("\(data.path)/wordnet/english-wordnet-2025.xml.gz"))
        #expect(r.err.contains("explicable data fetch wordnet"))
    }

    @Test func matrixPrintsALabelledTable() throws {
        let r = try run(
            "wordnet", "matrix", fixture("mini-classes.tsv"), "--lmf", fixture("mini.xml"), "--measure", "wup")
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines[0] == "wup similarity, mini-classes")
        #expect(lines[1].split(separator: " ") == ["dog", "cat", "Rex", "companion"])
        #expect(lines[2].split(separator: " ") == ["dog", "1.000", "0.800", "0.909", "0.857"])
    }

    /// `-o` writes the file and says so on stderr; stdout stays empty. (Each format's content:
    /// WordNetTests/MiniWordNetCommandLogicTests.)
    @Test func matrixWritesAFileAndNothingOnStdout() throws {
        let out = try temporaryFolder().appendingPathComponent("m.csv")
        let r = try run(
            "wordnet", "matrix", fixture("mini-classes.tsv"), "--lmf", fixture("mini.xml"),
            "--measure", "lca-height", "-o", out.path)
        #expect(r.status == 0 && r.out.isEmpty, "\(r.err)")
        #expect(r.err == "wrote 4×4 lca-height distance matrix to \(out.path)\n")
        #expect(
            try String(contentsOf: out, encoding: .utf8).hasPrefix("class,dog,cat,Rex,companion\ndog,0.0,1.0,1.0,1.0\n")
        )
    }

    @Test func badOutputExtensionIsAUsageError() throws {
        let r = try run("wordnet", "matrix", "cifar10", "-o", "/tmp/m.txt")
        #expect(r.status == 64 && r.err.contains("must end in .npy, .csv or .json"))
    }

    @Test func unknownMeasureIsAUsageError() throws {
        let r = try run("wordnet", "matrix", "cifar10", "--measure", "cosine")
        #expect(r.status == 64)
    }

    @Test func lookupShowsSensesDefinitionsAndHypernyms() throws {
        let r = try run("wordnet", "lookup", "Dog", "--lmf", fixture("mini.xml"))
        #expect(r.status == 0)
        #expect(
            r.out.contains(
                "1. mini-D [n] ili i7\n   lemmas: dog, Domestic Dog, doggy\n   definition: a domesticated canid\n"))
        #expect(r.out.contains("hypernyms: animal > object > physical entity > entity"))
        #expect(r.out.contains("also under: companion"))
        #expect(r.out.contains("2. mini-C"))
        let none = try run("wordnet", "lookup", "unicorn", "--lmf", fixture("mini.xml"))
        #expect(
            none.status == 1 && none.out.isEmpty && none.err == "Error: no synset or lemma matches 'unicorn'\n",
            "\(none.err)")
    }

    @Test func mapListsAmbiguousAndMissingClasses() throws {
        let folder = try temporaryFolder()
        let tsv = folder.appendingPathComponent("pets.tsv")
        try Data("index\tlabel\n0\tdog\n1\tcat\n2\tunicorn\n".utf8).write(to: tsv)
        let r = try run("wordnet", "map", tsv.path, "--lmf", fixture("mini.xml"))
        #expect(r.status == 2)
        #expect(r.out == "1\tcat\tmini-C\tlemma\ta small feline\n")
        #expect(r.err.contains("class 0 'dog': ambiguous, 2 noun synsets"))
        #expect(r.err.contains("class 2 'unicorn': missing"))
        #expect(r.err.contains("Error: 2 of 3 classes of 'pets' did not map"))
    }

    /// Writes the slice, reports on stderr. (That it gives the same matrices and drops what no class
    /// needs: WordNetTests/MiniWordNetCommandLogicTests.)
    @Test func sliceWritesAnLMFFile() throws {
        let slice = try temporaryFolder().appendingPathComponent("slice.xml").path
        let r = try run("wordnet", "slice", fixture("mini-classes.tsv"), "--lmf", fixture("mini.xml"), "-o", slice)
        #expect(r.status == 0 && r.out.isEmpty, "\(r.err)")
        #expect(r.err == "wrote the slice for 4 classes of 'mini-classes' to \(slice)\n")
        #expect(try LMFReader.read(URL(fileURLWithPath: slice)).synsetCount == 9)
    }
}

struct DataFetchTests {
    @Test func fetchesFromALocalServerIntoTheDataFolder() throws {
        let body = try Data(contentsOf: URL(fileURLWithPath: fixture("mini.xml.gz")))
        let server = try LocalHTTPServer(routes: ["/wn.xml.gz": (200, body)])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try run("data", "fetch", "wordnet", "--data", data.path, "--url", server.url("/wn.xml.gz"))
        #expect(r.status == 0, "\(r.err)")
        let target = data.appendingPathComponent("wordnet/english-wordnet-2025.xml.gz")
        #expect(r.out == target.path + "\n")
        #expect(try Data(contentsOf: target) == body)
        // And the commands find it there (the lookup every WordNet command makes).
        let found = try OpenEnglishWordNet.locateOrFetch(lmf: nil, data: DataFolder(url: data), allowDownload: false)
        let graph = try LMFReader.read(found)
        #expect(found == target && graph.synsetCount == 11)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        #expect(leftovers == ["english-wordnet-2025.xml.gz"], "no download leftovers")
    }

    @Test func publishedMatricesAreCheckedBySHA256() throws {
        let chl = try Data(contentsOf: URL(fileURLWithPath: try dataFolder() + "/paper/cifar10_CHL_cmat.npy"))
        var damaged = chl
        damaged[damaged.count - 1] ^= 1
        let server = try LocalHTTPServer(routes: ["/chl.npy": (200, chl), "/bad.npy": (200, damaged)])
        defer { server.stop() }
        let data = try temporaryFolder()
        let bad = try run("data", "fetch", "paper-chl", "--data", data.path, "--url", server.url("/bad.npy"))
        #expect(bad.status != 0 && bad.err.contains("SHA-256 is"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("paper/cifar10_CHL_cmat.npy").path))
        let good = try run("data", "fetch", "paper-chl", "--data", data.path, "--url", server.url("/chl.npy"))
        #expect(good.status == 0 && good.out == data.appendingPathComponent("paper/cifar10_CHL_cmat.npy").path + "\n")
        #expect(try Data(contentsOf: data.appendingPathComponent("paper/cifar10_CHL_cmat.npy")) == chl)
    }

    @Test func httpErrorLeavesNothingBehind() throws {
        let server = try LocalHTTPServer(routes: [:])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try run("data", "fetch", "wordnet", "--data", data.path, "--url", server.url("/missing"))
        #expect(r.status == 1 && r.out.isEmpty)
        #expect(r.err.contains("HTTP status 404"))
        #expect(r.err.contains("put it at \(data.path)/wordnet/english-wordnet-2025.xml.gz"))
        let folder = data.appendingPathComponent("wordnet").path
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] == [])
    }

    @Test func corruptDownloadIsRejected() throws {
        let server = try LocalHTTPServer(routes: ["/wn.xml.gz": (200, Data("<html>rate limited</html>".utf8))])
        defer { server.stop() }
        let data = try temporaryFolder()
        let r = try run("data", "fetch", "wordnet", "--data", data.path, "--url", server.url("/wn.xml.gz"))
        #expect(r.status == 2 && r.err.contains("downloaded file is not usable"), "\(r.err)")
        let folder = data.appendingPathComponent("wordnet").path
        #expect((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] == [])
    }

    @Test func missingReleaseIsDownloadedOnFirstUse() throws {
        let body = try Data(contentsOf: URL(fileURLWithPath: fixture("mini.xml.gz")))
        let server = try LocalHTTPServer(routes: ["/wn.xml.gz": (200, body)])
        defer { server.stop() }
        let data = DataFolder(url: try temporaryFolder())
        var notices: [String] = []
        let url = try OpenEnglishWordNet.locateOrFetch(
            lmf: nil, data: data, allowDownload: true, source: URL(string: server.url("/wn.xml.gz"))!,
            notice: { notices.append($0) })
        #expect(url == data.file("wordnet/english-wordnet-2025.xml.gz"))
        #expect(notices.count == 1 && notices[0].contains("downloading"))
        // Second time it is found, with no download.
        server.stop()
        #expect(try OpenEnglishWordNet.locateOrFetch(lmf: nil, data: data, allowDownload: true) == url)
        #expect(throws: ExplicableError.self) {
            try OpenEnglishWordNet.locateOrFetch(
                lmf: nil, data: DataFolder(url: try temporaryFolder()), allowDownload: false)
        }
    }

    @Test func offlineSaysWhereToPutTheFile() throws {
        let server = try LocalHTTPServer(routes: [:])
        let url = server.url("/wn.xml.gz")
        server.stop()  // nothing listens on that port any more
        let data = try temporaryFolder()
        let r = try run("data", "fetch", "wordnet", "--data", data.path, "--url", url)
        #expect(r.status == 1)
        #expect(r.err.contains("Offline?") && r.err.contains("\(data.path)/wordnet/english-wordnet-2025.xml.gz"))
    }
}
