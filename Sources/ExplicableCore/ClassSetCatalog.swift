public import Foundation

/// Finds class sets by name (`cifar10`, `cifar100`, `imagenet1k`) or by path.
///
/// Built-in sets are the TSV files in the repository's `wordnet/` folder, which is also compiled
/// into the binary (``EmbeddedFiles``). It is looked for as ``RepositoryFolder`` says.
public enum ClassSetCatalog {
    /// The names of the built-in class sets.
    public static let builtInNames = ["cifar10", "cifar100", "imagenet1k"]

    /// Loads `nameOrPath`: an existing file path, or the name of a built-in set.
    /// - Parameters:
    ///   - nameOrPath: a class-set TSV's path, or `cifar10`, `cifar100` or `imagenet1k`.
    ///   - base: folder that relative paths are resolved against (a spec's folder), else the working directory.
    ///   - environment: where `EXPLICABLE_HOME` is read (the process environment by default).
    public static func load(
        _ nameOrPath: String, relativeTo base: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ExplicableError) -> ClassSet {
        if let base, !nameOrPath.hasPrefix("/"), !builtInNames.contains(nameOrPath) {
            let candidate = base.appendingPathComponent(nameOrPath)
            if FileManager.default.fileExists(atPath: candidate.path) { return try ClassSet.readTSV(candidate) }
        }
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try ClassSet.readTSV(URL(fileURLWithPath: nameOrPath))
        }
        guard builtInNames.contains(nameOrPath) else {
            throw ExplicableError(
                .invalidArgument,
                "'\(nameOrPath)' is neither a class-set file nor a built-in set (\(builtInNames.joined(separator: ", ")))"
            )
        }
        for folder in RepositoryFolder.candidates("wordnet", environment: environment) {
            let url = folder.appendingPathComponent("\(nameOrPath).tsv")
            if FileManager.default.fileExists(atPath: url.path) { return try ClassSet.readTSV(url) }
        }
        throw ExplicableError(
            .missingData,
            "built-in class set '\(nameOrPath)' not found: set EXPLICABLE_HOME to the explicable checkout "
                + "(the folder holding wordnet/\(nameOrPath).tsv), or pass the TSV's path")
    }

}

/// Finds the repository's data folders (`wordnet/`, `templates/`, `studies/`) at run time.
///
/// Looked for in `$EXPLICABLE_HOME/NAME` (an override for development), then beside and above the
/// running executable (so `.build/debug/explicable` finds the checkout's folders), then in the
/// copy compiled into the binary (``EmbeddedFiles``, written once into the cache folder), so a
/// binary copied anywhere works from any folder.
public enum RepositoryFolder {
    /// Candidate locations of the folder `name`, most specific first.
    public static func candidates(
        _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [URL] {
        var folders: [URL] = []
        if let home = environment["EXPLICABLE_HOME"], !home.isEmpty {
            folders.append(URL(fileURLWithPath: home).appendingPathComponent(name))
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            folders.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        if let embedded = EmbeddedFiles.folder(name, environment: environment) { folders.append(embedded) }
        return folders
    }

    /// The first candidate folder of `name` that holds `file`.
    public static func locate(
        _ file: String, in name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ExplicableError) -> URL {
        for folder in candidates(name, environment: environment)
        where FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
            return folder
        }
        throw ExplicableError(
            .missingData,
            "\(name)/\(file) not found: set EXPLICABLE_HOME to the explicable checkout (the folder holding \(name)/)")
    }
}
