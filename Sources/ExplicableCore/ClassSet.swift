public import Foundation

/// An ordered list of class labels, optionally tied to WordNet synsets.
///
/// Class order is part of every matrix built over a set: index `i` of a ``ClassMatrix`` is
/// `labels[i]`. Labels are unique.
///
/// ```swift
/// let cifar10 = try ClassSetCatalog.load("cifar10")        // built in, or a TSV path
/// cifar10.count                                            // 10
/// cifar10.index(of: "cat")                                 // 3
/// let pets = try ClassSet(name: "pets", labels: ["cat", "dog"])
/// try pets.requireSameOrder(as: cifar10, "cifar10", "pets")  // throws: another class order
/// ```
public struct ClassSet: Sendable, Hashable, Codable {
    /// A short name, such as `cifar10`.
    public var name: String
    /// Class labels in index order.
    public let labels: [String]
    /// For each class, its Open English WordNet synset id (`oewn-02694015-n`), when known.
    public let synsets: [String?]
    /// For each class, its Interlingual Index id (`i49901`), when known.
    public let ilis: [String?]
    /// For each class, its WordNet 3.0 id (`02691156-n`), when known.
    public let wordnet30: [String?]

    /// Creates a class set; labels must be unique and non-empty.
    public init(
        name: String, labels: [String], synsets: [String?]? = nil, ilis: [String?]? = nil,
        wordnet30: [String?]? = nil
    ) throws(ExplicableError) {
        self.name = name
        self.labels = labels
        self.synsets = synsets ?? Array(repeating: nil, count: labels.count)
        self.ilis = ilis ?? Array(repeating: nil, count: labels.count)
        self.wordnet30 = wordnet30 ?? Array(repeating: nil, count: labels.count)
        guard !labels.isEmpty else { throw .badInput("class set '\(name)' has no classes") }
        guard self.synsets.count == labels.count, self.ilis.count == labels.count,
            self.wordnet30.count == labels.count
        else { throw .badInput("class set '\(name)': column lengths differ from the label count \(labels.count)") }
        var seen: [String: Int] = [:]
        for (i, label) in labels.enumerated() {
            guard !label.isEmpty else { throw .badInput("class set '\(name)': class \(i) has an empty label") }
            if let first = seen.updateValue(i, forKey: label) {
                throw .badInput("class set '\(name)': label '\(label)' appears at index \(first) and \(i)")
            }
        }
    }

    /// The number of classes.
    public var count: Int { labels.count }

    /// The index of `label`, or `nil`.
    public func index(of label: String) -> Int? { labels.firstIndex(of: label) }
}

extension ClassSet {
    /// The header line of a class-set TSV file (`wordnet/*.tsv`).
    public static let tsvHeader = ["index", "label", "oewn", "ili", "pwn30"]

    /// Reads a class-set TSV: a header `index label oewn ili pwn30` (tab-separated; only `index`
    /// and `label` are required), then one row per class with indices 0, 1, 2 … in order.
    ///
    /// Empty cells and `-` mean "unknown". Lines starting with `#` are comments.
    /// - Throws: ``ExplicableError`` naming the file, line and column at the first problem.
    public static func readTSV(_ url: URL, name: String? = nil) throws(ExplicableError) -> ClassSet {
        let file = url.path
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ExplicableError(.io, "cannot read class set: \(error.localizedDescription)", file: file)
        }
        return try parseTSV(text, file: file, name: name ?? url.deletingPathExtension().lastPathComponent)
    }

    /// Parses class-set TSV text; `file` is used in error messages only.
    public static func parseTSV(_ text: String, file: String, name: String) throws(ExplicableError) -> ClassSet {
        var header: [String]?
        var columns: [String: Int] = [:]
        var labels: [String] = [], synsets: [String?] = [], ilis: [String?] = [], wn30: [String?] = []
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = n + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let header else {
                for (i, cell) in cells.enumerated() { columns[cell] = i }
                for required in ["index", "label"] where columns[required] == nil {
                    throw .badInput(
                        "missing column '\(required)' in header (expected \(tsvHeader.joined(separator: ", ")))",
                        file: file, line: lineNumber)
                }
                header = cells
                continue
            }
            guard cells.count == header.count else {
                throw .badInput(
                    "expected \(header.count) tab-separated fields, found \(cells.count)",
                    file: file, line: lineNumber)
            }
            func cell(_ name: String) -> String? {
                guard let i = columns[name] else { return nil }
                let value = cells[i].trimmingCharacters(in: .whitespaces)
                return value.isEmpty || value == "-" ? nil : value
            }
            guard let index = cell("index").flatMap({ Int($0) }), index == labels.count else {
                throw .badInput(
                    "field 'index' must be \(labels.count), found '\(cells[columns["index"]!])'",
                    file: file, line: lineNumber)
            }
            guard let label = cell("label") else {
                throw .badInput("field 'label' is empty", file: file, line: lineNumber)
            }
            labels.append(label)
            synsets.append(cell("oewn"))
            ilis.append(cell("ili"))
            wn30.append(cell("pwn30"))
        }
        guard header != nil else { throw .badInput("empty class-set file (no header)", file: file) }
        do {
            return try ClassSet(name: name, labels: labels, synsets: synsets, ilis: ilis, wordnet30: wn30)
        } catch {
            throw .badInput(error.message, file: file)
        }
    }

    /// The class set as TSV text with the standard header.
    public func tsv() -> String {
        var out = Self.tsvHeader.joined(separator: "\t") + "\n"
        for i in 0..<count {
            out += "\(i)\t\(labels[i])\t\(synsets[i] ?? "")\t\(ilis[i] ?? "")\t\(wordnet30[i] ?? "")\n"
        }
        return out
    }
}

extension ClassSet {
    /// Checks that `other` has the same labels in the same order as this set.
    ///
    /// Class order is part of a matrix, a model and a data set: combining two with different orders
    /// is an error, never a silent reorder. Every such check in explicable goes through here, so the
    /// message is always the same:
    ///
    /// ```swift
    /// try model.classes.requireSameOrder(as: matrix.classes, "matrix 'chl'", "the model")
    /// // matrix 'chl' is over 100 classes (apple, aquarium_fish, baby …), the model over 10 (airplane, …)
    /// ```
    ///
    /// - Parameters:
    ///   - other: the set that must match.
    ///   - otherName: what `other` belongs to, for the message.
    ///   - name: what this set belongs to, for the message.
    /// - Throws: ``ExplicableError`` (`invalidArgument`) naming both sides and the first difference.
    public func requireSameOrder(as other: ClassSet, _ otherName: String, _ name: String) throws(ExplicableError) {
        guard labels != other.labels else { return }
        func head(_ s: ClassSet) -> String { s.labels.prefix(3).joined(separator: ", ") + (s.count > 3 ? " …" : "") }
        if count != other.count {
            throw ExplicableError(
                .invalidArgument,
                "\(otherName) is over \(other.count) classes (\(head(other))), \(name) over \(count) (\(head(self)))")
        }
        let i = labels.indices.first { labels[$0] != other.labels[$0] } ?? 0
        throw ExplicableError(
            .invalidArgument,
            "\(otherName) has class '\(other.labels[i])' at index \(i) where \(name) has '\(labels[i])' "
                + "(class order must match)")
    }
}
