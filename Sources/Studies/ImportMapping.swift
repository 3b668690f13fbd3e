public import ExplicableCore
public import Foundation

/// How a platform file made from someone else's template becomes answers: which column (or
/// trial field) names the participant, the item and the value, declared in a small JSON file
/// (`study import --mapping FILE`) instead of code.
///
/// Column names may hold `{n}`: `"value": "Answer.Rating__{n}", "item": "Input.pair_{n}"` reads
/// one answer per `Answer.Rating__N` column, whatever order the columns come in (MTurk sorts them
/// as text: 1, 10, 11 … 2), with the item named by the `Input.pair_N` cell of the same row.
/// `"value": "Answer.taskAnswers:rating_{n}"` reads crowd-form's `taskAnswers` JSON instead,
/// where a radio group is an object of options, `{"reasonable": true, "neutral": false}`: the
/// chosen option is the one that is `true`.
///
/// An item cell holds an item key (`pair:3:5`), an image index, or text that `items` maps to a
/// key; `classA`/`classB` instead name two class columns that make a pair. A value is a number,
/// or text (an option) that `values` maps to a number (exactly, else ignoring case).
public struct ImportMapping: Codable, Sendable, Equatable {
    public var participant: String?
    public var assignment: String?
    public var status: String?
    public var workSeconds: String?
    public var item: String?
    public var classA: String?
    public var classB: String?
    public var value: String?
    public var rt: String?
    /// Item text (an image URL, a stimulus) → item key.
    public var items: [String: String]?
    /// Answer text (an option's name or label) → value on the study's scale.
    public var values: [String: Double]?

    public init(
        participant: String? = nil, assignment: String? = nil, status: String? = nil, workSeconds: String? = nil,
        item: String? = nil, classA: String? = nil, classB: String? = nil, value: String? = nil, rt: String? = nil,
        items: [String: String]? = nil, values: [String: Double]? = nil
    ) {
        self.participant = participant
        self.assignment = assignment
        self.status = status
        self.workSeconds = workSeconds
        self.item = item
        self.classA = classA
        self.classB = classB
        self.value = value
        self.rt = rt
        self.items = items
        self.values = values
    }

    /// Reads a mapping file; unknown fields are refused, naming them.
    public static func load(_ url: URL) throws(ExplicableError) -> ImportMapping {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ExplicableError.badInput("a mapping is a JSON object", file: url.path, line: 1)
        }
        let known: Set<String> = [
            "participant", "assignment", "status", "workSeconds", "item", "classA", "classB", "value",
            "rt", "items", "values",
        ]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ExplicableError.badInput(
                "unknown field '\(unknown)' (expected: \(known.sorted().joined(separator: ", ")))", file: url.path,
                line: 1)
        }
        do { return try JSONDecoder().decode(ImportMapping.self, from: data) } catch {
            throw ExplicableError.badInput("mapping: \(PayloadFormat.describe(error))", file: url.path, line: 1)
        }
    }

    /// The value of an answer's text: a number, else the `values` table (exactly, then ignoring case).
    func number(_ text: String) -> Double? {
        if let values {
            if let v = values[text] { return v }
            let lower = text.lowercased()
            if let v = values.first(where: { $0.key.lowercased() == lower })?.value { return v }
        }
        return Double(text.trimmingCharacters(in: .whitespaces))
    }
}

/// A `{n}` template as a matcher: `Answer.Rating__{n}` matches `Answer.Rating__12` with n = "12".
struct NameTemplate {
    let prefix: String
    let suffix: String
    let hasNumber: Bool

    init(_ text: String) {
        if let range = text.range(of: "{n}") {
            prefix = String(text[..<range.lowerBound])
            suffix = String(text[range.upperBound...])
            hasNumber = true
        } else {
            prefix = text
            suffix = ""
            hasNumber = false
        }
    }

    /// The `{n}` part of `name`, if it matches (`""` for a template without `{n}`).
    func match(_ name: String) -> String? {
        guard hasNumber else { return name == prefix ? "" : nil }
        guard name.count > prefix.count + suffix.count, name.hasPrefix(prefix), name.hasSuffix(suffix) else {
            return nil
        }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
        return middle.isEmpty ? nil : String(middle)
    }

    func filled(_ n: String) -> String { hasNumber ? prefix + n + suffix : prefix }
}

/// MTurk batch results from a researcher's own HIT template, read through an ``ImportMapping``:
/// one answer per `Answer.*` column (or per `taskAnswers` entry), items from the row's `Input.*`
/// cells. A row is one submission, stored whole or rejected whole; an empty answer cell is an
/// item the worker was not shown (counted, not an error).
enum MappedMTurkFormat {
    static func read(_ url: URL, mapping: ImportMapping, into sink: inout ResponseSink) throws {
        var table = try CSVTable(
            url, maxRecordBytes: sink.options.maxRecordBytes, optionalTrailing: ["Approve", "Reject"])
        sink.header = table.header
        let participantColumn = mapping.participant ?? "WorkerId"
        let assignmentColumn = mapping.assignment ?? "AssignmentId"
        try table.require(participantColumn, assignmentColumn)
        guard let valueName = mapping.value else {
            throw ExplicableError.badInput(
                "the mapping names no 'value' column (e.g. \"Answer.Rating__{n}\")", file: url.path, line: 1)
        }
        guard mapping.item != nil || (mapping.classA != nil && mapping.classB != nil) else {
            throw ExplicableError.badInput(
                "the mapping names no 'item' column (or 'classA' and 'classB')", file: url.path, line: 1)
        }
        // Answers in crowd-form's taskAnswers JSON ("Answer.taskAnswers:rating_{n}"), or one column each.
        var jsonColumn: String?
        var template = NameTemplate(valueName)
        if let colon = valueName.firstIndex(of: ":"), table.columns[String(valueName[..<colon])] != nil {
            jsonColumn = String(valueName[..<colon])
            template = NameTemplate(String(valueName[valueName.index(after: colon)...]))
        }
        var answerColumns: [(n: String, column: Int)] = []
        if jsonColumn == nil {
            for (index, name) in table.header.enumerated() {
                if let n = template.match(name) { answerColumns.append((n, index)) }
            }
            guard !answerColumns.isEmpty else {
                let answers = table.header.filter { $0.hasPrefix("Answer.") }
                throw ExplicableError.badInput(
                    "no column matches '\(valueName)' (answer columns: "
                        + "\(answers.isEmpty ? "none" : answers.joined(separator: ", ")))", file: url.path, line: 1)
            }
            // By number where there is one: MTurk sorts columns as text (1, 10, 11 … 2).
            answerColumns.sort { (Int($0.n) ?? 0, $0.n) < (Int($1.n) ?? 0, $1.n) }
        }
        var seen: Set<String> = []
        let mturkDate = DateFormatter()
        mturkDate.locale = Locale(identifier: "en_US_POSIX")
        mturkDate.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        while let (cells, line) = try table.next(into: &sink) {
            let assignment = table.cell(cells, assignmentColumn) ?? ""
            let worker = table.cell(cells, participantColumn) ?? ""
            guard !assignment.isEmpty, !worker.isEmpty else {
                try sink.reject(
                    RowError(
                        line: line, reason: "field '\(assignmentColumn)' or '\(participantColumn)' is empty",
                        fields: cells))
                continue
            }
            guard seen.insert(assignment).inserted else {
                try sink.reject(
                    RowError(line: line, reason: "duplicate assignment id '\(assignment)' in the file", fields: cells))
                continue
            }
            let status = table.cell(cells, mapping.status ?? "AssignmentStatus").flatMap { $0.isEmpty ? nil : $0 }
            let seconds = table.cell(cells, mapping.workSeconds ?? "WorkTimeInSeconds").flatMap(Double.init)
                .flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            let g = sink.group(
                platform: "mturk", annotator: worker, assignmentID: assignment, status: status,
                startedAt: table.cell(cells, "AcceptTime").flatMap { mturkDate.date(from: $0) },
                submittedAt: table.cell(cells, "SubmitTime").flatMap { mturkDate.date(from: $0) }, workSeconds: seconds,
                feedback: table.cell(cells, "RequesterFeedback").flatMap { $0.isEmpty ? nil : $0 },
                rejectedOnPlatform: status == "Rejected")
            sink.attach(g, line: line, fields: cells)
            // (n, answer) pairs of this row.
            var answers: [(n: String, source: String, answer: Any)] = []
            if let jsonColumn {
                let raw = table.cell(cells, jsonColumn) ?? ""
                guard let object = taskAnswers(raw) else {
                    try sink.fail(
                        g,
                        RowError(
                            line: line, reason: "column '\(jsonColumn)' is not crowd-form's taskAnswers JSON",
                            fields: cells))
                    continue
                }
                for key in object.keys {
                    if let n = template.match(key) { answers.append((n, key, object[key]!)) }
                }
                answers.sort { (Int($0.n) ?? 0, $0.n) < (Int($1.n) ?? 0, $1.n) }
            } else {
                answers = answerColumns.map { ($0.n, table.header[$0.column], cells[$0.column]) }
            }
            for (n, source, answer) in answers {
                let text: String
                switch answer {
                case let s as String: text = s.trimmingCharacters(in: .whitespaces)
                case let number as NSNumber: text = number.stringValue
                case let options as [String: Any]
                where (try? itemKey(n: n, cells: cells, table: table, mapping: mapping, sink: sink).get())
                    .map(sink.takesChoices) == true:
                    // A checkbox group of a multi-select check: every option ticked.
                    let key = try itemKey(n: n, cells: cells, table: table, mapping: mapping, sink: sink).get()
                    try sink.answer(
                        g, itemKey: key, value: nil, choices: options.keys.filter { isTicked(options[$0]) }.sorted(),
                        cannotTell: false, reactionMs: nil, position: Int(n).map { $0 - 1 }, line: line)
                    continue
                case let options as [String: Any]:
                    switch chosenOption(options) {
                    case .success(let option): text = option
                    case .failure(let why):
                        try sink.fail(g, RowError(line: line, reason: "'\(source)' \(why.reason)", fields: cells))
                        continue
                    }
                default: text = ""
                }
                if text.isEmpty {
                    sink.skipEmptyCell(line: line, source: source)
                    continue
                }
                let key: String
                switch itemKey(n: n, cells: cells, table: table, mapping: mapping, sink: sink) {
                case .success(let found): key = found
                case .failure(let error):
                    try sink.fail(g, RowError(line: line, reason: error.reason, fields: cells))
                    continue
                }
                if sink.takesChoices(key) {
                    try sink.answer(
                        g, itemKey: key, value: nil, choices: ResponseSink.choices(text), cannotTell: false,
                        reactionMs: nil, position: Int(n).map { $0 - 1 }, line: line)
                    continue
                }
                if sink.takesText(key) {
                    try sink.answer(
                        g, itemKey: key, value: nil, text: text, cannotTell: false, reactionMs: nil,
                        position: Int(n).map { $0 - 1 }, line: line)
                    continue
                }
                if mapping.number(text) == nil, ResponseSink.isNotApplicable(text) {
                    try sink.answer(
                        g, itemKey: key, value: nil, cannotTell: false, notApplicable: true,
                        reactionMs: nil, position: Int(n).map { $0 - 1 }, line: line)
                    continue
                }
                guard let value = mapping.number(text) else {
                    try sink.fail(
                        g,
                        RowError(
                            line: line,
                            reason: "'\(source)' is '\(text)', neither a number nor one of the mapping's values"
                                + (mapping.values.map { " (\($0.keys.sorted().joined(separator: ", ")))" } ?? ""),
                            fields: cells))
                    continue
                }
                let rt = mapping.rt.flatMap { table.cell(cells, NameTemplate($0).filled(n)) }.flatMap(Double.init)
                try sink.answer(
                    g, itemKey: key, value: value, cannotTell: false, reactionMs: rt, position: Int(n).map { $0 - 1 },
                    line: line)
            }
        }
    }

    /// The item key of answer `n` of a row, or why there is none.
    static func itemKey(n: String, cells: [String], table: CSVTable, mapping: ImportMapping, sink: ResponseSink)
        -> Result<String, RowError>
    {
        func failure(_ reason: String) -> Result<String, RowError> {
            .failure(RowError(line: 0, reason: reason, fields: []))
        }
        if let item = mapping.item {
            let column = NameTemplate(item).filled(n)
            guard let text = table.cell(cells, column) else {
                return failure("missing column '\(column)' for answer \(n)")
            }
            if let key = mapping.items?[text] { return .success(key) }
            if sink.items[text] != nil { return .success(text) }
            if let index = Int(text) { return .success("image:\(index)") }
            return failure(
                "item '\(text)' in column '\(column)' is neither an item key of the study nor in the mapping's items")
        }
        let a = table.cell(cells, NameTemplate(mapping.classA!).filled(n)) ?? ""
        let b = table.cell(cells, NameTemplate(mapping.classB!).filled(n)) ?? ""
        guard let i = sink.classIndex(a), let j = sink.classIndex(b) else {
            return failure("unknown class '\(sink.classIndex(a) == nil ? a : b)' for answer \(n)")
        }
        return .success("pair:\(i):\(j)")
    }

    /// The option a crowd-form group chose, as text: `{"neutral": false, "reasonable": true}` (radio
    /// buttons named by option) and `{"0": false, "3": true}` (named by value) give the one that is
    /// `true`, `""` when none is; a lone checkbox, `{"on": true}`, gives `"1"` when ticked and `"0"`
    /// when not, unless the mapping's `values` names `on`/`off`. Several options `true` is a
    /// multi-select answer, which the study's single-value responses cannot hold: refused, naming them.
    static func chosenOption(_ options: [String: Any]) -> Result<String, RowError> {
        func isTrue(_ value: Any?) -> Bool? {
            switch value {
            case let flag as Bool: flag
            case let number as NSNumber: number.boolValue
            case let text as String where ["true", "false"].contains(text.lowercased()): text.lowercased() == "true"
            default: nil
            }
        }
        if options.count == 1, let on = options["on"] {
            guard let checked = isTrue(on) else {
                return .failure(
                    RowError(
                        line: 0, reason: "is a checkbox whose 'on' is neither true nor false",
                        fields: []))
            }
            return .success(checked ? "1" : "0")
        }
        if let odd = options.keys.sorted().first(where: { isTrue(options[$0]) == nil }) {
            return .failure(
                RowError(
                    line: 0,
                    reason: "option '\(odd)' is neither true nor false (a radio or checkbox group is "
                        + "{\"option\": true|false, …})",
                    fields: []))
        }
        let chosen = options.keys.filter { isTrue(options[$0]) == true }.sorted()
        guard chosen.count <= 1 else {
            let names = chosen.joined(separator: ", ")
            return .failure(
                RowError(
                    line: 0,
                    reason: "has \(chosen.count) options chosen (\(names)): a multi-select answer, but each item takes "
                        + "one value",
                    fields: []))
        }
        return .success(chosen.first ?? "")
    }

    /// Whether a crowd-form option is ticked (`true`, a non-zero number or the text `true`).
    static func isTicked(_ value: Any?) -> Bool {
        switch value {
        case let flag as Bool: flag
        case let number as NSNumber: number.boolValue
        case let text as String: text.lowercased() == "true"
        default: false
        }
    }

    /// crowd-form's `taskAnswers`: a JSON array holding one object (HTML entities undone where MTurk left them).
    static func taskAnswers(_ raw: String) -> [String: Any]? {
        for text in [raw, MTurkFormat.unescapeEntities(raw)] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { continue }
            if let array = object as? [Any], let first = array.first as? [String: Any] { return first }
            if let single = object as? [String: Any] { return single }
        }
        return nil
    }
}
