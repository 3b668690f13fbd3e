import ArgumentParser
import ExplicableCore
import Foundation
import LabelStore
import Studies
import StudyServer

extension StudyCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a study to participants and save every answer in the label store.",
            discussion: """
                Participants open http://HOST:PORT/?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=… (or workerId/assignmentId/hitId,
                or PARTICIPANT_ID): consent, instructions, their assignment, then the completion code or the spec's
                completion URL. Admin routes (GET /admin/status, GET /admin/export.csv) need
                'Authorization: Bearer $EXPLICABLE_ADMIN_TOKEN' and are off without that variable.
                A study with "allocation": "adaptive" decides each new participant's items as they arrive, from the \
                spec's adaptive.prior (resolved like 'matrix build --prior', WordNet from --data/--lmf) and the answers \
                so far; every decision is logged in the store (see 'study allocations') and a restarted server \
                continues from the log. Stops gracefully on SIGTERM or SIGINT.
                """)

        @Argument(help: ArgumentHelp("The study's name in the label store.", valueName: "study"))
        var study: String

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0: any free port).")
        var port = 8080

        @Option(
            help: ArgumentHelp(
                "Unfinished sessions idle this long give their assignment back (default: the spec's sessionTimeoutMinutes, else 60).",
                valueName: "minutes"))
        var timeoutMinutes: Double?

        @Option(
            help: ArgumentHelp(
                "Requests per second per client address (token bucket; bursts of twice as many).",
                valueName: "n"))
        var rateLimit = 50.0

        @Flag(
            help: ArgumentHelp(
                "Commit without waiting for the disk (survives kill -9, not a power loss); little faster now that answers share commits."
            ))
        var fastCommits = false

        @OptionGroup var dataFolder: DataFolderOptions

        @OptionGroup var lmf: LMFOptions

        @Option(
            help: ArgumentHelp(
                "Folder that item images given as relative file paths are read from (default: the current folder).",
                valueName: "dir"))
        var imageDir: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            if let timeoutMinutes, !(timeoutMinutes > 0) { throw ValidationError("--timeout-minutes must be positive") }
            guard rateLimit > 0 else { throw ValidationError("--rate-limit must be positive") }
        }

        func run() async throws {
            let server: StudyServer
            do {
                let loaded = try Study.named(study, in: try store.open())
                var configuration = StudyServer.Configuration()
                configuration.host = host
                configuration.port = port
                configuration.timeout = (timeoutMinutes ?? loaded.spec.sessionTimeoutMinutes ?? 60) * 60
                configuration.imageFolder = imageDir.map { URL(fileURLWithPath: $0) }
                configuration.requestsPerSecond = rateLimit
                configuration.burst = rateLimit * 2
                configuration.log = { printError($0) }
                configuration.adminToken = ProcessInfo.processInfo.environment["EXPLICABLE_ADMIN_TOKEN"]
                    .flatMap { $0.isEmpty ? nil : $0 }
                let labels = try store.open()
                if fastCommits { try labels.relaxSynchronousCommits() }
                let prior = try adaptivePrior(of: loaded, store: labels, data: dataFolder.folder, lmf: lmf)
                server = try StudyServer(
                    study: loaded, store: labels,
                    templates: RepositoryFolder.locate("serve-session.mustache", in: "templates"),
                    configuration: configuration,
                    images: StudyImages(data: dataFolder.folder, scale: loaded.spec.design == .mistakeReview ? 4 : 1),
                    details: try StudyInputs.details(of: loaded, data: dataFolder.folder, lmf: lmf),
                    prior: prior)
            }
            let admin = server.configuration.adminToken == nil ? "off (set EXPLICABLE_ADMIN_TOKEN)" : "on"
            let minutes = server.configuration.timeout / 60
            let timeout = minutes == minutes.rounded() ? String(Int(minutes)) : String(format: "%g", minutes)
            let name = study, address = host
            try await server.run { port in
                let assignments = server.plan.map { "\($0.assignments.count) assignments" } ?? "adaptive allocation"
                writeStdout(
                    "serving study \(name) at http://\(address):\(port)/ (\(assignments); "
                        + "idle sessions released after \(timeout) min; admin routes \(admin))\n")
            }
        }
    }
}
