import Foundation
import PackagePlugin

/// Embeds the repository's data folders (`wordnet/*.tsv`, `studies/*.json`, `templates/**`) into
/// `ExplicableCore` as generated Swift source, so a binary copied out of the checkout still has
/// its class sets, study specs, page and report templates and PyTorch files.
@main
struct EmbedRepositoryFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        var files: [String] = []
        for (folder, extensions) in [("wordnet", ["tsv"]), ("studies", ["json"]), ("templates", ["mustache", "py"])] {
            let base = root.appending(path: folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where extensions.contains(url.pathExtension) {
                let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
                if !relative.contains("__pycache__") { files.append(relative) }
            }
        }
        files.sort()
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFileContents.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) files of wordnet/, studies/ and templates/",
                executable: try context.tool(named: "EmbedFiles").url,
                arguments: [output.path, root.path] + files,
                inputFiles: files.map { root.appending(path: $0) },
                outputFiles: [output])
        ]
    }
}
