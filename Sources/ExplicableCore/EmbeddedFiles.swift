public import Foundation

/// The repository's `wordnet/*.tsv`, `studies/*.json` and `templates/**` files, compiled into the
/// binary by the `EmbedRepositoryFiles` build plugin (their contents are generated source).
///
/// A binary copied out of the checkout finds its class sets, study specs, templates and PyTorch
/// files here: ``folder(_:environment:)`` writes them once into a cache folder keyed by their content and
/// returns it, so code that reads templates from a folder works unchanged.
public enum EmbeddedFiles {
    /// The relative paths of the embedded files, sorted (`templates/report.mustache`, …).
    public static var paths: [String] { contents.keys.sorted() }

    /// The bytes of one embedded file, by its path relative to the repository root.
    public static func data(_ path: String) -> Data? {
        contents[path].flatMap { Data(base64Encoded: $0) }
    }

    /// The folder `name` (`wordnet`, `studies` or `templates`) with the embedded files, written on
    /// first use into `$XDG_CACHE_HOME/explicable/embedded-HASH` (else `~/.cache/…`, else the
    /// temporary folder). `nil` when nothing of that folder is embedded or it cannot be written.
    public static func folder(
        _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL? {
        guard paths.contains(where: { $0.hasPrefix(name + "/") }), let root = extracted(environment: environment) else {
            return nil
        }
        return root.appendingPathComponent(name)
    }

    /// A short hash of every path and content, so a newer binary never reads an older extraction.
    static let fingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for path in paths {
            for byte in path.utf8 + [0] + Array((contents[path] ?? "").utf8) {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }()

    /// Writes every embedded file under a fresh folder and renames it into place (a concurrent
    /// first run loses the rename race harmlessly); returns the folder.
    static func extracted(environment: [String: String]) -> URL? {
        let manager = FileManager.default
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cache = URL(fileURLWithPath: xdg).appendingPathComponent("explicable")
        } else if let home = environment["HOME"], !home.isEmpty {
            cache = URL(fileURLWithPath: home).appendingPathComponent(".cache/explicable")
        } else {
            cache = manager.temporaryDirectory.appendingPathComponent("explicable")
        }
        let target = cache.appendingPathComponent("embedded-\(fingerprint)")
        let complete = target.appendingPathComponent(".complete")
        if manager.fileExists(atPath: complete.path) { return target }
        let staging = cache.appendingPathComponent(".embedded-\(fingerprint)-\(UUID().uuidString)")
        do {
            for path in paths {
                guard let data = data(path) else { continue }
                let url = staging.appendingPathComponent(path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
            try Data().write(to: staging.appendingPathComponent(".complete"))
            try? manager.removeItem(at: target)  // an incomplete earlier extraction
            try manager.moveItem(at: staging, to: target)
        } catch {
            try? manager.removeItem(at: staging)
            // Another process may have won the race.
            return manager.fileExists(atPath: complete.path) ? target : nil
        }
        return target
    }
}
