public import Foundation

/// The file formats a ``ClassMatrix`` is exported to and imported from.
public enum MatrixFormat: String, Sendable, CaseIterable {
    /// NumPy `.npy`, float64, shape (n, n); class order from the class set.
    case npy
    /// CSV with a header row of class labels and the row's label in the first column.
    case csv
    /// JSON: name, kind, labels, synsets, values (rows) and provenance.
    case json

    /// The format implied by a file name's extension, if any.
    public init?(pathExtension: String) {
        self.init(rawValue: pathExtension.lowercased())
    }
}

extension ClassMatrix {
    /// The matrix as `.npy` bytes (float64, C order).
    public func npy() -> NPYArray {
        NPYArray(shape: [count, count], storage: .float64(values))
    }

    /// The matrix as CSV: header `,label0,label1,…`, then `label,v,v,…` per row.
    ///
    /// Values use Swift's shortest round-tripping form; infinities are `inf` and `-inf`, as NumPy writes them.
    public func csv() -> String {
        var out = "class," + classes.labels.map(csvField).joined(separator: ",") + "\n"
        for i in 0..<count {
            out += csvField(classes.labels[i])
            for j in 0..<count { out += "," + Self.format(self[i, j]) }
            out += "\n"
        }
        return out
    }

    /// The matrix as pretty-printed JSON with sorted keys.
    ///
    /// Infinite values (Jiang–Conrath on the diagonal) are written as the strings `"Infinity"`/`"-Infinity"`.
    public func json() -> Data {
        struct Document<Values: Encodable>: Encodable {
            var classSet: String
            var kind: ClassMatrix.Kind
            var labels: [String]
            var synsets: [String?]
            var values: Values
            var provenance: ClassMatrix.Provenance
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        guard count > 0 else {
            // Encoding plain values and strings cannot fail.
            let document = Document(
                classSet: classes.name, kind: kind, labels: classes.labels, synsets: classes.synsets,
                values: [[Double]](), provenance: provenance)
            return (try? encoder.encode(document)) ?? Data()
        }
        // The encoder boxes each of the n² values (a second for 1,000 classes): the rest of the
        // document is encoded around a placeholder, and the values are written in the encoder's own
        // pretty-printed layout in its place (a test checks the bytes are the encoder's).
        let placeholder = "explicable:values"
        let document = Document(
            classSet: classes.name, kind: kind, labels: classes.labels, synsets: classes.synsets,
            values: placeholder, provenance: provenance)
        guard let frame = try? encoder.encode(document),
            let range = frame.firstRange(of: Data("\"values\" : \"\(placeholder)\"".utf8))
        else { return Data() }
        var out = Data(frame[..<range.lowerBound])
        var text = "\"values\" : [\n"
        text.reserveCapacity(count * count * 24)
        for i in 0..<count {
            text += "    [\n"
            for j in 0..<count {
                text += "      "
                text += Self.jsonNumber(self[i, j])
                text += j + 1 < count ? ",\n" : "\n"
            }
            text += i + 1 < count ? "    ],\n" : "    ]\n"
        }
        text += "  ]"
        out.append(contentsOf: text.utf8)
        out.append(frame[range.upperBound...])
        return out
    }

    /// A value as ``json()``'s encoder writes it: the shortest round-tripping form without a
    /// trailing `.0`, non-finite values as the strings `"Infinity"`, `"-Infinity"`, `"NaN"`.
    static func jsonNumber(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        var s = v.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Writes the matrix to `url` in `format` (or the one its extension names), atomically.
    /// - Throws: ``ExplicableError`` when the extension is unknown or the file cannot be written.
    public func write(to url: URL, format: MatrixFormat? = nil) throws(ExplicableError) {
        guard let format = format ?? MatrixFormat(pathExtension: url.pathExtension) else {
            throw ExplicableError(
                .invalidArgument,
                "unknown output format '.\(url.pathExtension)' (expected .npy, .csv or .json)", file: url.path)
        }
        let data: Data
        switch format {
        case .npy: data = npy().encoded()
        case .csv: data = Data(csv().utf8)
        case .json: data = json() + Data("\n".utf8)
        }
        try NPYArray.writeAtomically(data, to: url)
    }

    /// A readable table with class labels, right-aligned, `digits` decimals.
    public func table(digits: Int = 3) -> String {
        let cells = values.map { Self.format($0, digits: digits) }
        let labels = classes.labels
        let labelWidths = labels.map(\.count)
        // Cells are ASCII: their byte count is their width (a 1,000-class table has a million).
        let width = max(cells.map(\.utf8.count).max() ?? 1, labelWidths.max() ?? 1)
        let rowWidth = labelWidths.max() ?? 1
        let spaces = String(repeating: " ", count: max(width, rowWidth))
        var out = String(spaces.prefix(rowWidth))
        out.reserveCapacity((count + 1) * (rowWidth + 1 + count * (width + 2)))
        for (label, w) in zip(labels, labelWidths) {
            out += "  "
            out += spaces.prefix(max(0, width - w))
            out += label
        }
        out += "\n"
        for i in 0..<count {
            out += labels[i]
            out += spaces.prefix(rowWidth - labelWidths[i])
            for j in 0..<count {
                let cell = cells[i * count + j]
                out += "  "
                out += spaces.prefix(max(0, width - cell.utf8.count))
                out += cell
            }
            out += "\n"
        }
        return out
    }

    static func format(_ v: Double, digits: Int? = nil) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        guard let digits else { return "\(v)" }
        // C's printf, as `String(format:)` uses, without Foundation's per-call format parsing.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buffer in
            let n = withVaList([v]) { vsnprintf(buffer.baseAddress, buffer.count, "%.\(digits)f", $0) }
            guard n >= 0, n < buffer.count else { return String(format: "%.\(digits)f", v) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(n)), as: UTF8.self)
        }
    }
}

/// One CSV cell holding `s`, safe to open in a spreadsheet.
///
/// The cell is quoted when it holds a comma, quote or line break (RFC 4180). Text that a
/// spreadsheet would run as a formula — a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, or the full-width `＝ ＋ － ＠` — gets a leading `'` (OWASP, "CSV
/// injection"), so Excel, LibreOffice and Google Sheets show it as text: `=HYPERLINK(…)` becomes
/// `'=HYPERLINK(…)`. A cell that is a plain decimal number (`-2`, `+0.5`, `-1.5e-3`) stays as
/// it is, so numbers stay numeric; `-2+3` is not a plain number and is neutralised.
public func csvField(_ s: String) -> String { csvField(s, neutralizingFormulas: true) }

/// One CSV cell holding `s`, quoted as ``csvField(_:)-(String)`` quotes it; formulas are neutralised
/// only when `neutralizingFormulas` is true (pass `false` for CSV that programs read back, not people).
public func csvField(_ s: String, neutralizingFormulas: Bool) -> String {
    var cell = s
    if neutralizingFormulas, let first = s.unicodeScalars.first, csvFormulaStarts.contains(first), !isPlainNumber(s) {
        cell = "'" + s
    }
    guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
    return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// One CSV cell holding a number: Swift's shortest round-tripping form, `nan`, `inf` or `-inf`
/// (as NumPy writes them); never neutralised.
public func csvField(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}

/// One CSV cell holding an integer; never neutralised.
public func csvField(_ value: Int) -> String { String(value) }

/// The characters a spreadsheet may read as the start of a formula (and CR, tab, which some strip first).
private let csvFormulaStarts: Set<Unicode.Scalar> = [
    "=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",
]

/// Whether `s` is a plain decimal number: optional sign, digits with at most one point, optional exponent.
private func isPlainNumber(_ s: String) -> Bool {
    var bytes = Substring(s).utf8[...]
    if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    func digits() -> Int {
        let n = bytes.prefix(while: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }).count
        bytes = bytes.dropFirst(n)
        return n
    }
    var mantissa = digits()
    if bytes.first == UInt8(ascii: ".") {
        bytes = bytes.dropFirst()
        mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
        bytes = bytes.dropFirst()
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard digits() > 0 else { return false }
    }
    return bytes.isEmpty
}
