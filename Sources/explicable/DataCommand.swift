import ArgumentParser
import ExplicableCore
import Foundation
import Semantics
import Training
import WordNet

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Manage the data folder.", subcommands: [Fetch.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a public data set into the data folder.",
            discussion: """
                Data sets: wordnet (Open English WordNet \(OpenEnglishWordNet.edition), CC BY 4.0); cifar10 and \
                cifar100 (the binary releases from www.cs.toronto.edu/~kriz/cifar.html, MD5-checked and unpacked \
                into cifar-10-batches-bin/ and cifar-100-binary/); cifar10h (CIFAR-10H's human label counts,                 CC BY-NC-SA 4.0) and paper-chl (the CHL matrix of Olmo et al.), both SHA-256-checked.
                """)

        enum DataSet: String, ExpressibleByArgument, CaseIterable {
            case wordnet, cifar10, cifar100, cifar10h
            case paperCHL = "paper-chl"
        }

        @Argument(help: "The data set to fetch.")
        var dataSet: DataSet

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: ArgumentHelp("Download from this URL instead of the official release.", valueName: "url"))
        var url: String?

        @Option(
            help: ArgumentHelp(
                "Expected MD5 of a CIFAR archive from --url (default: the official one).", valueName: "hex"))
        var md5: String?

        func validate() throws {
            if let url, URL(string: url)?.scheme == nil { throw ValidationError("--url '\(url)' is not a URL") }
            if let md5, md5.count != 32 || !md5.allSatisfy(\.isHexDigit) {
                throw ValidationError("--md5 '\(md5)' is not 32 hexadecimal digits")
            }
            if md5 != nil && CIFARRelease(rawValue: dataSet.rawValue) == nil {
                throw ValidationError("--md5 applies to cifar10 and cifar100")
            }
        }

        func run() throws {
            let folder = dataFolder.folder
            if let release = CIFARRelease(rawValue: dataSet.rawValue) {
                let bar = ProgressBar(label: release.downloadURL.lastPathComponent)
                let destination = try release.fetch(
                    into: folder, from: url.flatMap(URL.init(string:)), md5: md5
                ) { bar.update($0, $1) }
                bar.finish()
                writeStdout(destination.path + "\n")
                return
            }
            if let published = PublishedData(rawValue: dataSet.rawValue) {
                let bar = ProgressBar(label: published.downloadURL.lastPathComponent)
                let destination = try published.locateOrFetch(
                    data: folder, allowDownload: true,
                    source: url.flatMap(URL.init(string:))
                ) { bar.update($0, $1) }
                bar.finish()
                writeStdout(destination.path + "\n")
                return
            }
            let bar = ProgressBar(label: OpenEnglishWordNet.fileName)
            let source = url.flatMap(URL.init(string:)) ?? OpenEnglishWordNet.downloadURL
            let destination = try OpenEnglishWordNet.fetch(into: folder, from: source) { bar.update($0, $1) }
            bar.finish()
            writeStdout(destination.path + "\n")
        }
    }
}
