import Foundation
import TestSupport
import Testing

/// Every `explicable …` command in README.md and docs/*.md names a real subcommand and only
/// options that subcommand has, so the documentation cannot drift from the CLI unnoticed; the
/// cheap ones also run.
struct DocsTests {
    /// One documented command line: its file, line and the words after `explicable`.
    struct Documented: CustomStringConvertible {
        var file: String
        var line: Int
        var words: [String]
        var description: String { "\(file):\(line): explicable \(words.joined(separator: " "))" }
    }

    /// The documentation files: README.md and every docs/*.md.
    static func markdownFiles() -> [URL] {
        let docs = repositoryRoot.appendingPathComponent("docs")
        let pages = (try? FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)) ?? []
        return [repositoryRoot.appendingPathComponent("README.md")]
            + pages.filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
    }

    /// The `explicable …` lines of fenced code blocks (`$ ` prompts and `\` continuations joined,
    /// `# comments` and `[optional]` brackets dropped, `A|B` alternatives as their first choice).
    static func documentedCommands() throws -> [Documented] {
        var found: [Documented] = []
        for url in markdownFiles() {
            let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
            var inCode = false, pending: (line: Int, text: String)?
            for (n, raw) in lines.enumerated() {
                if raw.hasPrefix("```") {
                    inCode.toggle()
                    continue
                }
                guard inCode else { continue }
                var text = raw.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("$ ") { text.removeFirst(2) }
                if let p = pending {
                    pending = nil
                    text = p.text + " " + text
                    if text.hasSuffix("\\") {
                        pending = (p.line, String(text.dropLast()))
                        continue
                    }
                    found.append(document(url, p.line, text))
                    continue
                }
                guard text.hasPrefix("explicable ") else { continue }
                if text.hasSuffix("\\") {
                    pending = (n + 1, String(text.dropLast()))
                    continue
                }
                found.append(document(url, n + 1, text))
            }
        }
        return found
    }

    static func document(_ url: URL, _ line: Int, _ text: String) -> Documented {
        var command = text
        if let comment = command.range(of: "  #") ?? command.range(of: " # ") {
            command = String(command[..<comment.lowerBound])
        }
        command = command.replacingOccurrences(of: "[", with: " ").replacingOccurrences(of: "]", with: " ")
        let words = command.split(separator: " ").dropFirst().map(String.init).filter { $0 != "…" }
        return Documented(file: url.lastPathComponent, line: line, words: words)
    }

    /// The subcommand path of a documented line: its leading words that are subcommands.
    static func subcommandPath(_ words: [String], known: Set<String>) -> [String] {
        var path: [String] = []
        for word in words {
            let first = String(word.split(separator: "|").first ?? "")
            guard known.contains(path.map { $0 + " " }.joined() + first) else { break }
            path.append(first)
        }
        return path
    }

    @Test func everyDocumentedCommandAndOptionExists() throws {
        let commands = try Self.documentedCommands()
        #expect(commands.count >= 25, "found only \(commands.count) documented commands")
        // The subcommands, from the CLI's own help.
        var known: Set<String> = []
        var helpOf: [String: String] = [:]
        func help(_ path: [String]) throws -> String {
            let key = path.joined(separator: " ")
            if let cached = helpOf[key] { return cached }
            let r = try runWithArguments(path + ["--help"])
            helpOf[key] = r.status == 0 ? r.out : ""
            return helpOf[key]!
        }
        func discover(_ path: [String]) throws {
            let text = try help(path)
            guard let range = text.range(of: "SUBCOMMANDS:") else { return }
            // The section's entries are indented by two spaces; wrapped descriptions by more.
            for line in text[range.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
                let name = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                guard !name.isEmpty, !name.hasPrefix("See"), name.allSatisfy({ $0.isLowercase || $0 == "-" }) else {
                    continue
                }
                let full = path + [name]
                if known.insert(full.joined(separator: " ")).inserted { try discover(full) }
            }
        }
        try discover([])
        #expect(known.contains("matrix build") && known.contains("study serve"), "\(known.sorted())")
        for command in commands {
            let path = Self.subcommandPath(command.words, known: known)
            #expect(!path.isEmpty, "\(command): not a subcommand of explicable")
            guard !path.isEmpty else { continue }
            let text = try help(path)
            for word in command.words where word.hasPrefix("--") {
                let option = String(word.split(separator: "=").first!).split(separator: "|").first.map(String.init)!
                #expect(text.contains(option), "\(command): '\(path.joined(separator: " "))' has no option \(option)")
            }
        }
    }
}
