public import ExplicableCore
public import Foundation
import LabelStore
import Mustache

/// Writes a study's task files: the assignment plan, the MTurk batch input CSV with its HIT
/// layout, and a standalone, offline HTML page per assignment for Prolific or self-hosting.
///
/// Files written into the output folder:
/// - `assignments.json`: every assignment's item keys in display order;
/// - `mturk-batch.csv` (`assignment_index,assignment_json`) and `mturk-hit.html` (paste into the
///   MTurk requester UI; each batch row becomes one HIT);
/// - `study.html`, which forwards to `pages/assignment-NNNN.html` (chosen by `?assignment=N`, else
///   by a hash of `SESSION_ID`/`PROLIFIC_PID`).
///
/// ```swift
/// let study = try Study.named("cifar10-class-likert", in: store)
/// let writer = try TaskWriter(study: study, plan: try TaskPlan(study: study),
///                             templates: URL(fileURLWithPath: "templates"))
/// try writer.write(to: URL(fileURLWithPath: "out/tasks"), data: DataFolder.resolve(nil))
/// ```
public struct TaskWriter: Sendable {
    /// What the page scripts read about the study (embedded as JSON).
    struct StudyView: Encodable {
        var name, design, title, instructions, question: String
        var scale: [StudySpec.ScalePoint]
        /// A slider instead of the scale's points (absent from the JSON when the spec has none).
        var continuousScale: StudySpec.ContinuousScale?
        var allowCannotTell: Bool
        /// Present only when the spec allows "not applicable".
        var allowNotApplicable: Bool?
        var notApplicableLabel: String?
        var classes: [String]
        var submitURL: String?
        var completionURL: String?
        var completionCode: String?
    }

    /// One assignment as the page shows it.
    struct AssignmentView: Encodable {
        struct Item: Encodable {
            var key, kind, text: String
            var image: String?
            /// The screen a `class-neighbours` candidate belongs to.
            var screen: ScreenView?
            /// A free-text attention check, answered in a text field (absent otherwise).
            var textAnswer: Bool?
            /// A multi-select check's options, shown as checkboxes (absent otherwise).
            var choices: [String]?
        }

        var index: Int
        var items: [Item]
    }

    public let study: Study
    public let plan: TaskPlan
    /// Where pages load the images from, e.g. `https://example.org/study/images/` for MTurk HITs,
    /// which cannot reach files beside them; `nil` means the `images/` folder written beside the pages.
    public var imageBaseURL: String?
    /// How many times the CIFAR-10 PNGs are enlarged, by nearest neighbour (no blur): 1 writes them
    /// at 32×32; the default is 4 (128×128) for `mistake-review` studies and 1 for the other designs.
    public var imageScale: Int
    /// Definitions and example images of the classes `class-neighbours` screens show.
    public var details = ClassDetails()
    let library: MustacheLibrary

    /// - Parameters:
    ///   - study: the study whose pages are written.
    ///   - plan: the assignments, one page each.
    ///   - templates: the folder holding `study-page.mustache`, `study-core.mustache`,
    ///     `study-index.mustache` and `mturk-hit.mustache`.
    public init(study: Study, plan: TaskPlan, templates: URL) throws(ExplicableError) {
        self.study = study
        self.plan = plan
        var library = MustacheLibrary()
        for name in ["study-page", "study-core", "study-index", "mturk-hit"] {
            let file = templates.appendingPathComponent("\(name).mustache")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ExplicableError(.missingData, "template '\(name).mustache' is missing", file: templates.path)
            }
            do { try library.register(text, named: name) } catch let error as MustacheTemplate.ParserError {
                throw ExplicableError(
                    .badInput, "template error: \(error.error)", file: file.path,
                    line: error.context.lineNumber, column: error.context.columnNumber)
            } catch {
                throw ExplicableError(.badInput, "template error: \(error)", file: file.path)
            }
        }
        self.library = library
        imageScale = study.spec.design == .mistakeReview ? 4 : 1
    }

    var studyView: StudyView {
        let spec = study.spec
        let completion = spec.completionURL
        let isURL = completion.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") } ?? false
        return StudyView(
            name: spec.name, design: spec.design.rawValue, title: spec.title, instructions: spec.instructions,
            question: spec.question, scale: spec.effectiveScale, continuousScale: spec.continuousScale,
            allowCannotTell: spec.allowCannotTell ?? false,
            allowNotApplicable: spec.allowNotApplicable == true ? true : nil,
            notApplicableLabel: spec.notApplicableLabel,
            classes: study.classes.labels, submitURL: spec.submitURL, completionURL: isURL ? completion : nil,
            completionCode: isURL ? nil : completion)
    }

    /// The text of an item as the annotator reads it.
    func view(_ item: ItemRecord) -> AssignmentView.Item {
        .init(
            key: item.key, kind: item.kind.rawValue, text: study.text(of: item),
            image: item.image.map { Self.imagePath($0, base: imageBaseURL) },
            screen: study.screenView(of: item, details: details) { Self.imagePath($0, base: imageBaseURL) },
            textAnswer: study.textPattern(of: item) != nil ? true : nil, choices: study.choiceOptions(of: item))
    }

    /// Where the page loads an image reference from: `cifar10-test:42` → `../images/cifar10-test-42.png`
    /// (pages live in `pages/`, images in `images/`), or `BASE/cifar10-test-42.png` with a base URL.
    static func imagePath(_ reference: String, base: String?) -> String {
        if reference.contains("/") { return reference }
        let file = reference.replacingOccurrences(of: ":", with: "-") + ".png"
        guard let base else { return "../images/" + file }
        return base.hasSuffix("/") ? base + file : base + "/" + file
    }

    func assignmentView(_ assignment: TaskPlan.Assignment) -> AssignmentView {
        return AssignmentView(
            index: assignment.index, items: assignment.itemKeys.compactMap { study.item(key: $0).map(view) })
    }

    /// JSON safe to place inside `<script type="application/json">` and in an MTurk CSV cell.
    static func scriptJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        // One pass over the bytes (Foundation's replacingOccurrences was most of `study tasks`'s time
        // at 1,000 classes); these four never occur inside a multi-byte UTF-8 sequence.
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 16)
        for byte in data {
            switch byte {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            case UInt8(ascii: "$"): out += Array("\\u0024".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the PNG of every CIFAR-10 image the assignments show (`cifar10-test:N`,
    /// `cifar10-train:N`) into `folder/images/`, at 32×32 times ``imageScale`` (enlarged by nearest
    /// neighbour; pages show them at 128×128 without blur either way).
    /// References that are paths or URLs are left to the researcher.
    func writeImages(to folder: URL, data: DataFolder) throws(ExplicableError) {
        var references = Set<String>()
        for assignment in plan.assignments {
            for key in assignment.itemKeys {
                if let image = study.item(key: key)?.image, image.hasPrefix("cifar10-") { references.insert(image) }
                if let a = study.item(key: key)?.classA, study.spec.design == .classNeighbours {
                    for image in details.examples(a).prefix(study.spec.effectiveScreen.examples!)
                    where image.hasPrefix("cifar10-") { references.insert(image) }
                }
            }
        }
        guard !references.isEmpty else { return }
        let images = folder.appendingPathComponent("images")
        do { try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true) } catch {
            throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: images.path)
        }
        let renderer = StudyImages(data: data, scale: imageScale)
        for reference in references.sorted() {
            let png = try renderer.png(reference)
            let url = images.appendingPathComponent(reference.replacingOccurrences(of: ":", with: "-") + ".png")
            do { try png.write(to: url, options: .atomic) } catch {
                throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
            }
        }
    }

    /// Writes every file into `folder` (created if needed); with `data`, also the PNG files of the
    /// CIFAR-10 images the study shows (`images/`, one per image reference).
    public func write(to folder: URL, data: DataFolder? = nil) throws(ExplicableError) {
        let manager = FileManager.default
        let pages = folder.appendingPathComponent("pages")
        do { try manager.createDirectory(at: pages, withIntermediateDirectories: true) } catch {
            throw ExplicableError(.io, "cannot create folder: \(error.localizedDescription)", file: pages.path)
        }
        let spec = study.spec
        let studyJSON = Self.scriptJSON(studyView)
        func render(_ template: String, _ context: [String: Any]) -> String {
            library.render(context, withTemplate: template) ?? ""
        }
        func save(_ text: String, _ url: URL) throws(ExplicableError) {
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
            }
        }
        let base: [String: Any] = [
            "name": spec.name, "title": spec.title, "instructions": spec.instructions,
            "studyJSON": studyJSON,
        ]
        var csv = "assignment_index,assignment_json\n"
        for assignment in plan.assignments {
            let json = Self.scriptJSON(assignmentView(assignment))
            var context = base
            context["assignmentJSON"] = json
            let name = String(format: "assignment-%04d.html", assignment.index)
            try save(render("study-page", context), pages.appendingPathComponent(name))
            var quoted: [UInt8] = []
            quoted.reserveCapacity(json.utf8.count + 64)
            for byte in json.utf8 {
                quoted.append(byte)
                if byte == UInt8(ascii: "\"") { quoted.append(byte) }
            }
            csv += "\(assignment.index),\"" + String(decoding: quoted, as: UTF8.self) + "\"\n"
        }
        var index = base
        index["assignmentCount"] = plan.assignments.count
        try save(render("study-index", index), folder.appendingPathComponent("study.html"))
        try save(render("mturk-hit", base), folder.appendingPathComponent("mturk-hit.html"))
        try save(csv, folder.appendingPathComponent("mturk-batch.csv"))
        struct Plan: Encodable {
            var study: String
            var assignments: [TaskPlan.Assignment]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let planJSON = (try? encoder.encode(Plan(study: spec.name, assignments: plan.assignments))) ?? Data()
        try save(String(decoding: planJSON, as: UTF8.self) + "\n", folder.appendingPathComponent("assignments.json"))
        if let data { try writeImages(to: folder, data: data) }
    }
}
