public import ExplicableCore
public import Foundation

/// Reads a pair-list file: the directed class pairs a sparse class-pair study asks about.
///
/// One pair per line, `a<TAB>b` or `a,b` (class `a` shown, might be mistaken for class `b`),
/// each a class label or a 0-based class index. Blank lines and lines starting with `#` are
/// skipped; a first line `class_a<TAB>class_b` (or `a<TAB>b`) is a header. A self pair, a pair
/// given twice, an unknown class or a line of other than two fields is an error naming the file
/// and line; nothing is returned then.
public enum PairList {
    /// Reads `url` against `classes`.
    /// - Returns: the pairs, sorted by `a` then `b`.
    /// - Throws: `ExplicableError` (`badInput`) naming the file and line at fault, or `io`.
    public static func read(_ url: URL, classes: ClassSet) throws(ExplicableError) -> [ClassPair] {
        var reader = try LineReader(url: url)
        reader.maxLineBytes = 4_096
        let file = url.path
        let byLabel = Dictionary(classes.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let n = classes.count
        var seen: [ClassPair: Int] = [:]
        func classIndex(_ field: Substring, line: Int) throws(ExplicableError) -> Int {
            let text = field.trimmingCharacters(in: .whitespaces)
            if let i = byLabel[text] { return i }
            if let i = Int(text), (0..<n).contains(i) { return i }
            let known = classes.labels.prefix(5).joined(separator: ", ") + (n > 5 ? ", …" : "")
            throw .badInput(
                "unknown class '\(text)' (expected a label of \(classes.name) such as \(known), "
                    + "or an index 0–\(n - 1))", file: file, line: line)
        }
        while let text = try reader.next() {
            let line = reader.line
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields =
                trimmed.contains("\t")
                ? trimmed.split(separator: "\t", omittingEmptySubsequences: false)
                : trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw .badInput(
                    "expected two classes 'a<TAB>b', found \(fields.count) field\(fields.count == 1 ? "" : "s")",
                    file: file, line: line)
            }
            if seen.isEmpty,
                [["class_a", "class_b"], ["a", "b"]].contains(fields.map { $0.trimmingCharacters(in: .whitespaces) }),
                byLabel[String(fields[0])] == nil
            {
                continue
            }
            let pair = ClassPair(try classIndex(fields[0], line: line), try classIndex(fields[1], line: line))
            guard pair.a != pair.b else {
                throw .badInput(
                    "a class paired with itself ('\(classes.labels[pair.a])'): the diagonal is never asked",
                    file: file, line: line)
            }
            if let first = seen.updateValue(line, forKey: pair) {
                throw .badInput(
                    "pair \(classes.labels[pair.a]) → \(classes.labels[pair.b]) repeats line \(first)",
                    file: file, line: line)
            }
        }
        guard !seen.isEmpty else { throw .badInput("no pairs in the file", file: file) }
        return seen.keys.sorted()
    }
}
