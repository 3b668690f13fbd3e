public import Foundation

/// Finds class sets by name (`cifar10`, `cifar100`, `imagenet1k`) or by path.
///
/// Built-in sets are the TSV files in the repository's `wordnet/` folder. The folder is looked
/// for in `$EXPLICABLE_HOME/wordnet`, then beside and above the running executable (so
/// `.build/debug/explicable` finds the checkout's `wordnet/`), then in the working directory.
public enum ClassSetCatalog {
    /// The names of the built-in class sets.
    public static let builtInNames = ["cifar10", "cifar100", "imagenet1k"]

    /// Loads `nameOrPath`: an existing file path, or the name of a built-in set.
    public static func load(
        _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ExplicableError) -> ClassSet {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try ClassSet.readTSV(URL(fileURLWithPath: nameOrPath))
        }
        guard builtInNames.contains(nameOrPath) else {
            throw ExplicableError(.invalidArgument,
                "'\(nameOrPath)' is neither a class-set file nor a built-in set (\(builtInNames.joined(separator: ", ")))")
        }
        for folder in searchFolders(environment: environment) {
            let url = folder.appendingPathComponent("\(nameOrPath).tsv")
            if FileManager.default.fileExists(atPath: url.path) { return try ClassSet.readTSV(url) }
        }
        throw ExplicableError(.missingData,
            "built-in class set '\(nameOrPath)' not found: set EXPLICABLE_HOME to the explicable checkout "
                + "(the folder holding wordnet/\(nameOrPath).tsv), or pass the TSV's path")
    }

    static func searchFolders(environment: [String: String]) -> [URL] {
        var folders: [URL] = []
        if let home = environment["EXPLICABLE_HOME"], !home.isEmpty {
            folders.append(URL(fileURLWithPath: home).appendingPathComponent("wordnet"))
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            folders.append(directory.appendingPathComponent("wordnet"))
            directory = directory.deletingLastPathComponent()
        }
        folders.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("wordnet"))
        return folders
    }
}
