public import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies

extension StudyCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import annotator responses into the label store (one transaction per file).",
            discussion: """
                Formats: payload (JSON from explicable's pages: an object, an array or JSON lines), mturk \
                (batch results CSV of explicable's HIT layout), long (CSV annotator,item,value[,rt_ms] or \
                annotator,class_a,class_b,value[,rt_ms], optional assignment,status,work_seconds), cifar10h-raw \
                (CIFAR-10H's trial CSV), counts (.npy images × classes), jspsych (JSON array or CSV of trials \
                carrying an 'item' field, or --item-field), jatos (a result file of JSON lines, or a results archive: \
                the .zip or its unpacked folder), prolific \
                (submissions export CSV, with --payloads). Imports are idempotent per (assignment, item): importing \
                a file again adds only the answers the store does not hold. A submission is stored whole or not at all.
                """)

        @Argument(help: "The study's name.")
        var study: String

        @Argument(help: ArgumentHelp("The file to import.", valueName: "file"))
        var file: String

        @Option(help: "payload, mturk, long, cifar10h-raw, counts, jspsych, jatos or prolific.")
        var format: ImportFormat

        @Option(
            help: ArgumentHelp(
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

        @Option(
            help: ArgumentHelp(
                "jspsych/jatos: the trial field that holds the item's key (default: item).",
                valueName: "field"))
        var itemField: String?

        @Option(
            help: ArgumentHelp(
                "jspsych/jatos: the trial field that holds the answer (default: response).",
                valueName: "field"))
        var valueField: String?

        @Option(
            help: ArgumentHelp(
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
                throw ValidationError(
                    "--participant-field, --item-field and --value-field go with --format jspsych or jatos")
            }
        }

        func run() throws {
            let opened = try store.open()
            let loaded = try Study.named(study, in: opened)
            var options = ImportOptions(
                format: format, rejectsFile: skipBadRows.map { URL(fileURLWithPath: $0) },
                keepRawIDs: keepRawIds, payloads: payloads.map { URL(fileURLWithPath: $0) })
            options.allowMissingPayloads = allowMissingPayloads
            options.participantField = participantField
            options.itemField = itemField
            options.valueField = valueField
            options.mapping = try mapping.map { path throws(ExplicableError) in
                try ImportMapping.load(URL(fileURLWithPath: path))
            }
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
                return
                    "\(file): already imported; nothing new (\(n(r.answersAlreadyStored, "answer")) already stored)\n"
            }
            var line = "\(file): \(n(r.rowsRead, "row")), "
            if r.countsAdded > 0 {
                line += "\(n(r.countsAdded, "instance count")) added"
            } else {
                var into: [String] = []
                if r.submissionsAdded > 0 || r.submissionsExtended == 0 {
                    into.append("in \(n(r.submissionsAdded, "new submission"))")
                }
                if r.submissionsExtended > 0 { into.append("to \(n(r.submissionsExtended, "stored submission"))") }
                line += "\(n(r.responsesAdded, "answer")) added " + into.joined(separator: " and ")
            }
            var notes: [String] = []
            if r.rowsRejected > 0 { notes.append("\(n(r.rowsRejected, "row")) rejected") }
            if r.answersAlreadyStored > 0 { notes.append("\(n(r.answersAlreadyStored, "answer")) already stored") }
            if r.emptySubmissions > 0 { notes.append("\(n(r.emptySubmissions, "submission")) without answers skipped") }
            if r.emptyCellsSkipped > 0 {
                let more = r.emptyCellsSkipped > r.emptyCellsSkippedAt.count ? ", …" : ""
                notes.append(
                    "\(n(r.emptyCellsSkipped, "empty cell")) skipped: "
                        + r.emptyCellsSkippedAt.joined(separator: ", ") + more)
            }
            if !r.rowsWithoutPayload.isEmpty {
                notes.append(
                    "\(n(r.rowsWithoutPayload.count, "completed row")) without payload: "
                        + r.rowsWithoutPayload.joined(separator: ", "))
            }
            return line + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")) + "\n"
        }
    }
}

extension ImportFormat: ExpressibleByArgument {}
