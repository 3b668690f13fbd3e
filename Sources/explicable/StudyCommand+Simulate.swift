import ArgumentParser
import Audit
import ExplicableCore
import Foundation
import LabelStore
import Semantics
import Studies
import StudyServer

extension StudyCommand {
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Let simulated participants take a class-pair study, through the real study server or into a platform file.",
            discussion: """
                Raters are fitted on WordSim-353 set 1 (human/wordsim353-set1.csv in the data folder, or --ratings): \
                per-rater bias, scale use and noise, mapped onto the study's scale, answering around --truth (any \
                matrix name, e.g. a file from 'matrix truth'). By default the command serves the study on \
                127.0.0.1 (any free port) and the participants take it over HTTP: admission, their assignment, one \
                POST per answer, finish; answers land in the store as from people. --write-platform jspsych (or \
                long) writes jsPsych data (or a long CSV) for 'study import --format jspsych' (or long) instead, \
                following the study's planned assignments (the uniform plan, also for an adaptive study). --careless raters answer at random and \
                fail attention checks, for 'study qc'. The server records wall-clock work time: give --pace to \
                pass a spec's qc.minSecondsPerItem. See docs/studies.md.
                """)

        @Argument(help: "The study's name.")
        var study: String

        @Option(help: ArgumentHelp("The true matrix the raters answer around (matrix grammar).", valueName: "matrix"))
        var truth: String

        @Option(help: "Participants to simulate.")
        var raters: Int

        @Option(help: "Share of careless participants (0…1).")
        var careless = 0.1

        @Option(help: "Seed of the participants.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Seconds each participant waits per item (HTTP).", valueName: "seconds"))
        var pace = 0.0

        @Option(help: "Participants taking the study at once (HTTP).")
        var concurrency = 16

        @Option(help: ArgumentHelp("Write a platform file instead of serving: jspsych or long.", valueName: "platform"))
        var writePlatform: String?

        @Option(help: ArgumentHelp("The platform file to write.", valueName: "file"))
        var out: String?

        @Option(help: ArgumentHelp("Per-rater ratings to fit the raters on (WordSim-353 layout).", valueName: "csv"))
        var ratings: String?

        @OptionGroup var lmf: LMFOptions
        @OptionGroup var dataFolder: DataFolderOptions
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard raters >= 1 else { throw ValidationError("--raters must be at least 1") }
            guard (0...1).contains(careless) else { throw ValidationError("--careless must be between 0 and 1") }
            guard pace >= 0, pace <= 600 else { throw ValidationError("--pace must be between 0 and 600 seconds") }
            guard (1...256).contains(concurrency) else {
                throw ValidationError("--concurrency must be between 1 and 256")
            }
            if let writePlatform {
                guard ["jspsych", "long"].contains(writePlatform) else {
                    throw ValidationError("--write-platform supports jspsych and long")
                }
                guard out != nil else { throw ValidationError("--write-platform needs --out FILE") }
            } else if out != nil {
                throw ValidationError("--out goes with --write-platform")
            }
        }

        func run() async throws {
            let labels = try store.open()
            let loaded = try Study.named(study, in: labels)
            let data = dataFolder.folder
            let ratingsURL: URL
            if let ratings {
                ratingsURL = URL(fileURLWithPath: ratings)
            } else {
                ratingsURL = try data.locate(
                    ["human/wordsim353-set1.csv"], what: "WordSim-353 set 1 ratings",
                    fetchHint: "copy wordsim353/set1.csv into DATA/human/wordsim353-set1.csv")
            }
            let population = try RaterPopulation.fit(csv: ratingsURL)
            let matrix = try matrixBuilder(store: labels, data: data, lmf: lmf).matrix(
                named: truth, over: loaded.classes)
            var simulator = try StudySimulator(
                spec: loaded.spec, truth: matrix, population: population,
                careless: careless, seed: seed)
            simulator.pace = pace
            let plan = try TaskPlan(study: loaded)
            if let out {
                let assignments = (0..<raters).map { plan.assignments[$0 % plan.assignments.count].itemKeys }
                if loaded.spec.allocation == .adaptive {
                    printError(
                        "note: \(study) allocates adaptively, which only 'study serve' does; the file follows the "
                            + "uniform plan")
                }
                let file =
                    writePlatform == "long"
                    ? try simulator.longCSV(assignments: assignments)
                    : try simulator.jsPsychData(assignments: assignments)
                do { try file.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: out)
                }
                writeStdout(
                    "\(raters) simulated participants (\(assignments.reduce(0) { $0 + $1.count }) answers) written to \(out)\n"
                )
                return
            }
            var configuration = StudyServer.Configuration()
            configuration.port = 0
            configuration.timeout = (loaded.spec.sessionTimeoutMinutes ?? 60) * 60
            configuration.requestsPerSecond = 1_000_000
            configuration.burst = 2_000_000
            configuration.log = { printError($0) }
            let server = try StudyServer(
                study: loaded, store: labels,
                templates: RepositoryFolder.locate("serve-session.mustache", in: "templates"),
                configuration: configuration)
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let serving = Task { try await server.run(handlingSignals: false) { continuation.yield($0) } }
            defer { serving.cancel() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ExplicableError(.io, "the study server did not start") }
            let summary = try await simulator.takeServedStudy(
                baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                raters: raters, concurrency: concurrency)
            serving.cancel()
            _ = await serving.result
            writeStdout(
                "\(summary.participants) simulated participants (\(summary.careless) careless) took \(study) over "
                    + "HTTP: \(summary.finished) finished, \(summary.turnedAway) turned away (study full), "
                    + "\(summary.answers) answers saved\n")
        }
    }
}
