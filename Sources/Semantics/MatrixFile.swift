public import ExplicableCore
public import Foundation
import LabelStore

/// Reads a matrix someone else made (a published M^h such as the paper's CHL) from `.npy`, CSV
/// or JSON, always against an explicit class set: class order is part of a matrix.
public enum MatrixFile {
    /// Reads the matrix in `url`, its format chosen by the extension (`.npy`, `.csv`, `.json`).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - classes: the class set the file's rows and columns follow. CSV and JSON files carry
    ///     labels, which must equal these in order.
    ///   - kind: whether the file holds similarities or distances (JSON files say so themselves
    ///     and must agree).
    /// - Throws: `ExplicableError` naming the file (and line or field) when the matrix is not
    ///   square, has the wrong class count or labels, or holds NaN or infinity.
    public static func read(_ url: URL, classes: ClassSet, kind: ClassMatrix.Kind) throws(ExplicableError)
        -> ClassMatrix
    {
        guard let format = MatrixFormat(pathExtension: url.pathExtension) else {
            throw ExplicableError(
                .invalidArgument, "unknown matrix format '.\(url.pathExtension)' (expected .npy, .csv or .json)",
                file: url.path)
        }
        let n = classes.count
        var values: [Double]
        switch format {
        case .npy:
            let array = try NPYArray.read(url)
            guard array.shape.count == 2, array.shape[0] == array.shape[1] else {
                throw ExplicableError.badInput("not a square matrix: shape \(array.shape)", file: url.path)
            }
            guard array.shape[0] == n else {
                throw ExplicableError.badInput(
                    "\(array.shape[0])×\(array.shape[1]) matrix, but class set '\(classes.name)' has \(n) classes",
                    file: url.path)
            }
            values = array.doubles
        case .csv:
            values = try readCSV(url, classes: classes)
        case .json:
            values = try readJSON(url, classes: classes, kind: kind)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ExplicableError.badInput(
                "cell (\(classes.labels[bad / n]), \(classes.labels[bad % n])) is \(values[bad]); a matrix must be finite",
                file: url.path)
        }
        return ClassMatrix(
            classes: classes, kind: kind, values: values,
            provenance: .init(source: "file", parameters: ["file": url.lastPathComponent, "sha256": sha256(url)]))
    }

    static func sha256(_ url: URL) -> String {
        // Only for provenance; a read failure here was already reported by the reader above.
        (try? Data(contentsOf: url)).map { SHA256Digest.hex(of: $0) } ?? "?"
    }

    /// The export's CSV: header `class,label…`, then `label,v,…` per row.
    static func readCSV(_ url: URL, classes: ClassSet) throws(ExplicableError) -> [Double] {
        guard let data = try? Data(contentsOf: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ExplicableError.badInput("not UTF-8 text", file: url.path)
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
        let rows = lines.enumerated().filter { !$0.element.isEmpty }
        let n = classes.count
        guard let header = rows.first else { throw ExplicableError.badInput("empty file", file: url.path) }
        let labels = try fields(header.element, file: url.path, line: header.offset + 1).dropFirst()
        guard Array(labels) == classes.labels else {
            throw ExplicableError.badInput(
                "the header's labels (\(labels.joined(separator: ", "))) are not class set '\(classes.name)' "
                    + "(\(classes.labels.joined(separator: ", ")))", file: url.path, line: header.offset + 1)
        }
        guard rows.count - 1 == n else {
            throw ExplicableError.badInput(
                "\(rows.count - 1) rows, but \(n) classes: not a square matrix", file: url.path)
        }
        var values: [Double] = []
        values.reserveCapacity(n * n)
        for (i, (offset, line)) in rows.dropFirst().enumerated() {
            let cells = try fields(line, file: url.path, line: offset + 1)
            guard cells.count == n + 1 else {
                throw ExplicableError.badInput(
                    "\(cells.count - 1) values, but \(n) classes", file: url.path, line: offset + 1)
            }
            guard cells[0] == classes.labels[i] else {
                throw ExplicableError.badInput(
                    "row label '\(cells[0])', expected '\(classes.labels[i])'", file: url.path,
                    line: offset + 1)
            }
            for (j, cell) in cells.dropFirst().enumerated() {
                let trimmed = cell.trimmingCharacters(in: .whitespaces)
                guard let v = Double(trimmed) ?? (trimmed == "inf" ? .infinity : trimmed == "-inf" ? -.infinity : nil)
                else {
                    throw ExplicableError.badInput(
                        "column '\(classes.labels[j])': '\(cell)' is not a number", file: url.path,
                        line: offset + 1)
                }
                values.append(v)
            }
        }
        return values
    }

    /// Splits one CSV line (quoted fields allowed, no line breaks inside them).
    static func fields(_ line: String, file: String, line number: Int) throws(ExplicableError) -> [String] {
        var out: [String] = []
        var field = ""
        var inQuotes = false
        var chars = Array(line)[...]
        while let ch = chars.popFirst() {
            if inQuotes {
                if ch == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" && field.isEmpty {
                inQuotes = true
            } else if ch == "," {
                out.append(field)
                field = ""
            } else {
                field.append(ch)
            }
        }
        guard !inQuotes else {
            throw ExplicableError.badInput("a quoted field is never closed", file: file, line: number)
        }
        out.append(field)
        return out
    }

    /// The export's JSON: `labels`, `kind`, `values` (rows).
    static func readJSON(_ url: URL, classes: ClassSet, kind: ClassMatrix.Kind) throws(ExplicableError) -> [Double] {
        struct Document: Decodable {
            var kind: ClassMatrix.Kind?
            var labels: [String]
            var values: [[Double]]
        }
        guard let data = try? Data(contentsOf: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ExplicableError.badInput("not a matrix JSON (fields labels, values): \(error)", file: url.path)
        }
        guard document.labels == classes.labels else {
            throw ExplicableError.badInput("field 'labels' is not class set '\(classes.name)'", file: url.path)
        }
        if let fileKind = document.kind, fileKind != kind {
            throw ExplicableError.badInput(
                "field 'kind' says \(fileKind.rawValue), not \(kind.rawValue)", file: url.path)
        }
        guard document.values.count == classes.count, document.values.allSatisfy({ $0.count == classes.count }) else {
            throw ExplicableError.badInput("field 'values' is not \(classes.count)×\(classes.count)", file: url.path)
        }
        return document.values.flatMap { $0 }
    }
}
