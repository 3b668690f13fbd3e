public import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Studies

/// `--db PATH`: the project's label store.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Design human studies, write their task pages, and keep their data in the label store.",
        subcommands: [Create.self, List.self, Tasks.self, Import.self, QC.self, Status.self, Review.self, ReviewReport.self, Serve.self, Simulate.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a study from its spec (studies/*.json) to the label store, with all its items.")

        @Argument(help: ArgumentHelp("The study spec JSON.", valueName: "spec"))
        var spec: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let url = URL(fileURLWithPath: spec)
            let (loaded, json) = try StudySpec.load(url)
            let classes = try ClassSetCatalog.load(loaded.classSet, relativeTo: url.deletingLastPathComponent())
            let study = try Study.create(spec: loaded, specJSON: json, classes: classes, in: try store.open())
            let regular = study.items.filter { !$0.isAttentionCheck }.count
            writeStdout("study \(loaded.name): \(loaded.design.rawValue), \(classes.count) classes, "
                + "\(regular) items × \(loaded.ratingsPerItem) ratings, "
                + "\(study.items.count - regular) attention checks\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the studies in the label store.")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let names = try Study.names(in: try store.open())
            writeStdout(names.map { $0 + "\n" }.joined())
        }
    }

    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deal a study's items into balanced assignments and write MTurk and standalone pages.",
            discussion: """
                Writes assignments.json, mturk-batch.csv + mturk-hit.html (MTurk), and study.html with \
                pages/assignment-NNNN.html (Prolific or self-hosted; works offline), and images/*.png for \
                the CIFAR-10 images the study shows.
                """)

        @Argument(help: "The study's name.")
        var study: String

        @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"))
        var out: String

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: ArgumentHelp(
            "URL the pages load images from (MTurk HITs need one); default: the images/ folder written beside the pages.",
            valueName: "url"))
        var imageBaseURL: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if let imageBaseURL, !(imageBaseURL.hasPrefix("https://") || imageBaseURL.hasPrefix("http://")) {
                throw ValidationError("--image-base-url must be an http or https URL")
            }
        }

        func run() throws {
            let loaded = try Study.named(study, in: try store.open())
            let plan = try TaskPlan(study: loaded)
            let templates = try RepositoryFolder.locate("study-page.mustache", in: "templates")
            var writer = try TaskWriter(study: loaded, plan: plan, templates: templates)
            writer.imageBaseURL = imageBaseURL
            try writer.write(to: URL(fileURLWithPath: out), data: dataFolder.folder)
            writeStdout("\(plan.assignments.count) assignments written to \(out)\n")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import annotator responses into the label store (one transaction per file).",
            discussion: """
                Formats: payload (JSON from explicable's pages: an object, an array or JSON lines), mturk \
                (batch results CSV of explicable's HIT layout), long (CSV annotator,item,value[,rt_ms] or \
                annotator,class_a,class_b,value[,rt_ms], optional assignment,status,work_seconds), cifar10h-raw \
                (CIFAR-10H's trial CSV), counts (.npy images × classes), jspsych (JSON array or CSV of trials \
                carrying an 'item' field, or --item-field), jatos (JSON lines of jsPsych arrays or payloads), prolific \
                (submissions export CSV, with --payloads). Imports are idempotent per (assignment, item): importing \
                a file again adds only the answers the store does not hold. A submission is stored whole or not at all.
                """)

        @Argument(help: "The study's name.")
        var study: String

        @Argument(help: ArgumentHelp("The file to import.", valueName: "file"))
        var file: String

        @Option(help: "payload, mturk, long, cifar10h-raw, counts, jspsych, jatos or prolific.")
        var format: ImportFormat

        @Option(help: ArgumentHelp(
            "Import the good submissions; write the records of rejected ones, whole, with their reason here.",
            valueName: "rejects.csv"))
        var skipBadRows: String?

        @Flag(help: "Keep platform worker ids as given (personal data) besides their salted hash.")
        var keepRawIds = false

        @Option(help: ArgumentHelp("With --format prolific: the pages' JSON payloads to join.", valueName: "file"))
        var payloads: String?

        @Flag(help: "With --format prolific: import even when completed submissions have no payload (they are listed).")
        var allowMissingPayloads = false

        @Option(help: ArgumentHelp("jspsych/jatos: the trial field that names the participant.", valueName: "field"))
        var participantField: String?

        @Option(help: ArgumentHelp("jspsych/jatos: the trial field that holds the item's key (default: item).",
            valueName: "field"))
        var itemField: String?

        @Option(help: ArgumentHelp("jspsych/jatos: the trial field that holds the answer (default: response).",
            valueName: "field"))
        var valueField: String?

        @Option(help: ArgumentHelp(
            "mturk/jspsych/jatos: a JSON file saying which columns or fields hold participant, item and value "
                + "(see docs/studies.md).", valueName: "file"))
        var mapping: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            if mapping != nil, ![.mturk, .jspsych, .jatos].contains(format) {
                throw ValidationError("--mapping goes with --format mturk, jspsych or jatos")
            }
            if format == .prolific, payloads == nil {
                throw ValidationError("--format prolific needs --payloads FILE (the pages' JSON payloads)")
            }
            if format != .prolific, payloads != nil || allowMissingPayloads {
                throw ValidationError("--payloads and --allow-missing-payloads go with --format prolific")
            }
            if ![.jspsych, .jatos].contains(format), participantField != nil || itemField != nil || valueField != nil {
                throw ValidationError("--participant-field, --item-field and --value-field go with --format jspsych or jatos")
            }
        }

        func run() throws {
            let opened = try store.open()
            let loaded = try Study.named(study, in: opened)
            var options = ImportOptions(format: format, rejectsFile: skipBadRows.map { URL(fileURLWithPath: $0) },
                keepRawIDs: keepRawIds, payloads: payloads.map { URL(fileURLWithPath: $0) })
            options.allowMissingPayloads = allowMissingPayloads
            options.participantField = participantField
            options.itemField = itemField
            options.valueField = valueField
            options.mapping = try mapping.map { path throws(ExplicableError) in try ImportMapping.load(URL(fileURLWithPath: path)) }
            let report = try Importer(study: loaded, store: opened).run(URL(fileURLWithPath: file), options: options)
            writeStdout(Self.summary(report, file: file))
        }

        /// One line per import: rows and answers counted apart, plurals that agree.
        static func summary(_ r: ImportReport, file: String) -> String {
            func n(_ count: Int, _ one: String, _ many: String? = nil) -> String {
                var digits = String(count)
                var at = digits.count - 3
                while at > 0 {
                    digits.insert(",", at: digits.index(digits.startIndex, offsetBy: at))
                    at -= 3
                }
                return "\(digits) " + (count == 1 ? one : many ?? one + "s")
            }
            if r.alreadyImported {
                return "\(file): already imported; nothing new (\(n(r.answersAlreadyStored, "answer")) already stored)\n"
            }
            var line = "\(file): \(n(r.rowsRead, "row")), "
            if r.countsAdded > 0 {
                line += "\(n(r.countsAdded, "instance count")) added"
            } else {
                var into: [String] = []
                if r.submissionsAdded > 0 || r.submissionsExtended == 0 { into.append("in \(n(r.submissionsAdded, "new submission"))") }
                if r.submissionsExtended > 0 { into.append("to \(n(r.submissionsExtended, "stored submission"))") }
                line += "\(n(r.responsesAdded, "answer")) added " + into.joined(separator: " and ")
            }
            var notes: [String] = []
            if r.rowsRejected > 0 { notes.append("\(n(r.rowsRejected, "row")) rejected") }
            if r.answersAlreadyStored > 0 { notes.append("\(n(r.answersAlreadyStored, "answer")) already stored") }
            if r.emptySubmissions > 0 { notes.append("\(n(r.emptySubmissions, "submission")) without answers skipped") }
            if r.emptyCellsSkipped > 0 { notes.append("\(n(r.emptyCellsSkipped, "empty cell")) skipped") }
            if !r.rowsWithoutPayload.isEmpty {
                notes.append("\(n(r.rowsWithoutPayload.count, "completed row")) without payload: "
                    + r.rowsWithoutPayload.joined(separator: ", "))
            }
            return line + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")) + "\n"
        }
    }

    struct QC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qc",
            abstract: "Apply the study's quality-control rules, store the decisions and print them per submission.")

        @Argument(help: "The study's name.")
        var study: String

        @Option(help: ArgumentHelp("Decide one assignment by hand: ASSIGNMENT=accept or ASSIGNMENT=reject[:reason].",
            valueName: "decision"))
        var override: [String] = []

        @Option(help: ArgumentHelp("Write the MTurk approve/reject CSV here.", valueName: "file"))
        var mturkDecisions: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            for decision in override where !decision.contains("=") {
                throw ValidationError("--override takes ASSIGNMENT=accept or ASSIGNMENT=reject[:reason]")
            }
        }

        func run() throws {
            let opened = try store.open()
            let qc = QualityControl(study: try Study.named(study, in: opened), store: opened)
            for decision in override {
                let parts = decision.split(separator: "=", maxSplits: 1).map(String.init)
                let verdict = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
                guard ["accept", "reject"].contains(verdict[0]) else {
                    throw ExplicableError(.invalidArgument, "--override '\(decision)': say accept or reject")
                }
                try qc.override(assignmentID: parts[0], accept: verdict[0] == "accept", reason: verdict.count > 1 ? verdict[1] : nil)
            }
            let rows = try qc.run()
            var out = "assignment\tannotator\tanswers\tfailed checks\ts/item\tsame answer\tagreement\tdecision\treason\n"
            func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
            for r in rows {
                out += "\(r.assignmentID)\t\(r.annotator)\t\(r.answers)\t\(r.failedChecks)\t\(f(r.secondsPerItem, "%.1f"))\t"
                out += "\(f(r.sameAnswerShare.map { $0 * 100 }, "%.0f%%"))\t\(f(r.agreement, "%.2f"))\t"
                out += "\(r.status.rawValue)\(r.isOverridden ? " (by hand)" : "")\t\(r.reason ?? "")\n"
            }
            let accepted = rows.filter { $0.status == .accepted }.count
            out += "\(accepted) accepted, \(rows.count - accepted) rejected of \(rows.count) submissions\n"
            writeStdout(out)
            if let mturkDecisions {
                do { try Data(QualityControl.mturkDecisions(rows).utf8).write(to: URL(fileURLWithPath: mturkDecisions), options: .atomic) } catch {
                    throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: mturkDecisions)
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ratings collected against the target, submissions by decision, and the cost of finishing.")

        @Argument(help: "The study's name.")
        var study: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let opened = try store.open()
            let s = try StudyStatus.of(try Study.named(study, in: opened), in: opened)
            let percent = s.targetRatings == 0 ? 100 : 100 * Double(s.ratingsCollected) / Double(s.targetRatings)
            writeStdout("""
                ratings: \(s.ratingsCollected) of \(s.targetRatings) (\(String(format: "%.1f", percent))%); \
                items complete: \(s.itemsComplete) of \(s.items)
                submissions: \(s.submissionsAccepted) accepted, \(s.submissionsRejected) rejected, \(s.submissionsPending) not yet checked
                to finish: \(s.assignmentsRemaining) assignments, \(String(format: "%.2f", s.remainingCost)) \(s.currency) with platform fees

                """)
        }
    }
}

extension StudyCommand {
    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a mistake-review study from training runs: images every run got wrong, one item per wrong prediction.",
            discussion: """
                Reads predictions.npy and labels.npy from each RUN folder (a run's name is its folder's name), \
                chooses test images misclassified by every run (seeded), creates the study in the store with \
                which run made each item's prediction, and writes into --out the study's spec (NAME.json, a \
                'list' image source), review-models.json, the task pages and images/*.png (enlarged by \
                nearest neighbour, 128×128 by default).
                """)

        @Argument(help: ArgumentHelp("Training run folders (explicable train --out).", valueName: "run"))
        var runs: [String]

        @Option(help: ArgumentHelp("A mistake-review spec (default: studies/cifar10-mistake-review.json).", valueName: "file"))
        var spec: String?

        @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir"))
        var out: String

        @Option(help: ArgumentHelp("Test images to review (default: the spec's model-mistakes count).", valueName: "n"))
        var images: Int?

        @Option(help: ArgumentHelp("Seed for choosing the images (default: the spec's seed).", valueName: "s"))
        var seed: UInt64?

        @Option(help: ArgumentHelp("The study's name (default: the spec's name).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("How many times the 32×32 images are enlarged, without blur.", valueName: "k"))
        var imageScale = 4

        @OptionGroup var dataFolder: DataFolderOptions

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard !runs.isEmpty else { throw ValidationError("give at least one training run folder") }
            if let images, images < 1 { throw ValidationError("--images must be at least 1") }
            guard (1...32).contains(imageScale) else { throw ValidationError("--image-scale must be between 1 and 32") }
        }

        func run() throws {
            let specURL = try spec.map { URL(fileURLWithPath: $0) }
                ?? RepositoryFolder.locate("cifar10-mistake-review.json", in: "studies")
                    .appendingPathComponent("cifar10-mistake-review.json")
            let setup = try MistakeReview.prepare(
                spec: specURL, runs: runs.map { URL(fileURLWithPath: $0) }, out: URL(fileURLWithPath: out),
                images: images, seed: seed, name: name, data: dataFolder.folder,
                templates: RepositoryFolder.locate("study-page.mustache", in: "templates"), store: try store.open(),
                imageScale: imageScale)
            let review = setup.review
            writeStdout("""
                study \(setup.study.spec.name): \(Set(review.entries.map(\.testIndex)).count) images of \(review.candidates) \
                misclassified by every run, \(review.entries.count) items; \(setup.plan.assignments.count) assignments \
                written to \(out) (spec \(setup.specFile.lastPathComponent), models \(setup.mappingFile.lastPathComponent))

                """)
        }
    }

    struct ReviewReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-report",
            abstract: "Per model: mean rating of its mistakes with a bootstrap CI, share rated reasonable, cannot-tell counts; Wilcoxon tests between models.",
            discussion: """
                Counts ratings of submissions that 'study qc' accepted. A model's score on an image is the mean \
                rating of its mistake; its mean is the mean over images, with a percentile bootstrap CI over images. \
                Reasonable means above the scale's midpoint (3 or 4 on 0–4). Pairs of models get a two-sided \
                Wilcoxon signed-rank test on per-image scores as scipy.stats.wilcoxon's defaults compute it \
                (zeros dropped, average ranks; exact for n ≤ 50 without ties or zeros, exact sign-flip \
                permutation for n ≤ 13 otherwise, else the normal approximation with tie correction).
                """)

        @Argument(help: "The study's name (made by 'explicable study review').")
        var study: String

        @Option(help: ArgumentHelp("Bootstrap replicates.", valueName: "b"))
        var replicates = 10_000

        @Option(help: ArgumentHelp("Coverage of the bootstrap interval.", valueName: "level"))
        var confidence = 0.95

        @Option(help: ArgumentHelp("Bootstrap seed (default: the spec's seed).", valueName: "s"))
        var seed: UInt64?

        @Flag(help: "Apply the continuity correction in the normal approximation (scipy's correction=True).")
        var continuityCorrection = false

        @Flag(help: "Print JSON instead of tables.")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard replicates >= 1 else { throw ValidationError("--replicates must be at least 1") }
            guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be between 0 and 1") }
        }

        func run() throws {
            let opened = try store.open()
            let loaded = try Study.named(study, in: opened)
            guard loaded.spec.design == .mistakeReview else {
                throw ExplicableError(.invalidArgument, "study '\(study)' is a \(loaded.spec.design.rawValue) study, not mistake-review")
            }
            let points = loaded.spec.effectiveScale.map { Double($0.value) }
            let report = try MistakeReviewReport.make(
                studyId: loaded.id, study: study, items: loaded.items, store: opened,
                scale: points.min()!...points.max()!, confidence: confidence, replicates: replicates,
                seed: seed ?? loaded.spec.seed, continuityCorrection: continuityCorrection)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(
                    positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
                do { writeStdout(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n") } catch {
                    throw ExplicableError(.io, "cannot encode the report: \(error)")
                }
            } else {
                writeStdout(report.table)
            }
        }
    }
}

extension ImportFormat: ExpressibleByArgument {}
