import Audit
import CLibXML2
import ExplicableCore
import Foundation
import Semantics
import Testing
import TestSupport

/// Element names and ids of an HTML document, read with libxml2's HTML parser (no network).
struct ParsedHTML {
    var elements: [String: Int] = [:]
    var ids: Set<String> = []
    var errors = 0
    var text = ""

    init(_ html: String) {
        let bytes = Array(html.utf8)
        let options = Int32(HTML_PARSE_NONET.rawValue | HTML_PARSE_NOBLANKS.rawValue)
        // Count what the parser reports (unknown tags such as svg are errors to libxml2's HTML 4
        // parser, so only errors of other kinds count).
        final class Counter { var errors = 0 }
        let counter = Counter()
        let context = Unmanaged.passRetained(counter)
        defer { context.release() }
        xmlSetStructuredErrorFunc(context.toOpaque()) { pointer, error in
            guard let pointer, let error else { return }
            let message = error.pointee.message.map { String(cString: $0) } ?? ""
            if message.contains("Tag ") && message.contains(" invalid") { return }
            Unmanaged<Counter>.fromOpaque(pointer).takeUnretainedValue().errors += 1
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                htmlReadMemory($0, Int32(bytes.count), "report.html", "UTF-8", options)
            }
        }
        guard let document else {
            errors = 1
            return
        }
        defer { xmlFreeDoc(document) }
        errors = counter.errors
        func walk(_ node: xmlNodePtr?) {
            var node = node
            while let current = node {
                if current.pointee.type == XML_ELEMENT_NODE {
                    let name = String(cString: current.pointee.name)
                    elements[name, default: 0] += 1
                    if let id = xmlGetProp(current, "id") {
                        ids.insert(String(cString: id))
                        CLibXML2_free(id)
                    }
                } else if current.pointee.type == XML_TEXT_NODE, let content = current.pointee.content {
                    text += String(cString: content)
                }
                walk(current.pointee.children)
                node = current.pointee.next
            }
        }
        walk(xmlDocGetRootElement(document))
    }
}

struct ReportTests {
    let templates = repositoryRoot.appendingPathComponent("templates")

    func sample() throws -> Report {
        let classes = try ClassSet(name: "abc", labels: ["a<b", "c", "d"])
        let m = ClassMatrix(
            classes: classes, kind: .similarity, values: [4, 1, 2, 1, 4, 3, 0, 2, 4],
            provenance: .init(source: "t"))
        var report = Report(title: "Demo <script>alert(1)</script>", generated: Date(timeIntervalSince1970: 0))
        report.summary = ["WLF: 80.1% top-1", "CE: 80.3% top-1"]
        let curve = LineChart(
            title: "loss", xLabel: "epoch",
            yLabel: "loss", series: [.init(name: "ce", points: [(1, 2.0), (2, 1.5)])]
        ).svg
        report.sections = [
            .init(
                id: "matrices", heading: "What people expect: M^h",
                blocks: [.figures([Report.heatmap(m, title: "CHL", caption: "paper")])]),
            .init(
                id: "models", heading: "How explicable the models' mistakes are",
                blocks: [
                    .table(
                        .init(
                            caption: "Test set", header: ["model", "top-1"],
                            rows: [["ce", "80.3%"], ["wlf", "80.1%"]]),
                        id: "model-table"),
                    .figures([
                        .init(title: "loss", caption: "per epoch", svg: curve),
                        Report.heatmap(m, title: "confusion", caption: "rows: true"),
                    ]),
                ]),
            .init(
                id: "ood", heading: "Out of distribution",
                blocks: [
                    .table(
                        .init(caption: "OOD", header: ["corruption", "ce"], rows: [["jpeg", "70%"]]), id: "ood-table")
                ]),
            .init(
                id: "audit", heading: "What the labels cost",
                blocks: [.table(.init(caption: "cost", header: ["", "study"], rows: [["labels", "4140"]]))]),
        ]
        report.notes = ["seed 1"]
        return report
    }

    @Test func isSelfContainedWellFormedHTMLWithEverySection() throws {
        let html = try sample().html(templates: templates)
        let parsed = ParsedHTML(html)
        #expect(parsed.errors == 0)
        #expect(
            parsed.ids.isSuperset(of: [
                "summary", "matrices", "models", "model-table", "ood", "ood-table", "audit", "notes",
            ]))
        #expect(parsed.elements["svg"] == 3 && parsed.elements["table"] == 3, "\(parsed.elements)")
        #expect(parsed.elements["script"] == nil)
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("https://") && !html.contains("src=\""))
        #expect(parsed.text.contains("a<b"))  // escaped in the SVG, read back as text
    }

    @Test func anySectionRendersAlikeAndTablesNeverBorrowItsId() throws {
        var report = try sample()
        report.sections.append(
            .init(
                id: "extra", heading: "A new section",
                blocks: [.table(.init(caption: "untagged", header: ["x"], rows: [["1"]]))]))
        let html = try report.html(templates: templates)
        #expect(html.contains("<h2 id=\"extra\">A new section</h2>") && html.contains("<caption>untagged</caption>"))
        // Mustache looks names up the context stack: a table without an id must not take the section's.
        for id in ["extra", "audit", "models"] {
            #expect(html.components(separatedBy: "id=\"\(id)\"").count == 2, "id \(id)")
        }
        #expect(report.section("models")?.tables.count == 1 && report.section("models")?.figures.count == 2)
    }

    @Test func theCheckerSeesBrokenHTML() {
        #expect(ParsedHTML("<html><body><p>x</b></p></body></html>").errors > 0)
        #expect(ParsedHTML("<html><body><p>x</p></body></html>").errors == 0)
    }

    @Test func emptySectionsAreLeftOut() throws {
        var report = Report(title: "Only a title")
        report.sections = [.init(id: "models", heading: "Models", blocks: [])]
        let html = try report.html(templates: templates)
        let parsed = ParsedHTML(html)
        #expect(parsed.ids.isDisjoint(with: ["summary", "matrices", "models", "ood", "audit", "notes"]))
        #expect(parsed.elements["h1"] == 1)
    }

    @Test func lineChartScalesItsPoints() {
        let svg = LineChart(
            title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: [(0, 0), (1, 1)])],
            yRange: 0...1
        ).svg
        // Plot area: left 56, width 408; top 30, height 206.
        #expect(svg.contains("points=\"56.0,236.0 464.0,30.0\""))
    }
}
