import ExplicableCore
import Foundation
import LabelStore
import Studies

/// What the importer targets share: the repository's CIFAR-10 class-pair Likert and instance-label
/// study specs, loaded once, and an in-memory store holding the study.
///
/// Making the study takes longer than most imports (the instance-label study has 10,000 items),
/// so one store serves ``reuse`` inputs in a row; each file is new to it (imports are keyed by
/// SHA-256), and earlier accepted answers only add the "already present" paths. A finding that
/// does not replay alone needs the inputs before it; `EXPLICABLE_FUZZ_FRESH_STORE=1` (set by
/// `run.sh replay`) makes a fresh store for every input.
///
/// Imports run with a rejects file, so a bad row does not stop the file and every row is parsed.
final class ImportFixture {
    nonisolated(unsafe) static let shared = ImportFixture()

    let classes: ClassSet
    let likert: (spec: StudySpec, json: String)
    let instance: (spec: StudySpec, json: String)
    let rejects = Scratch.folder.appendingPathComponent("rejects.csv")
    /// The page payloads a Prolific export is joined with: one submission, S1 by P1.
    let payloads = Scratch.folder.appendingPathComponent("payloads.jsonl")

    private init() {
        do {
            classes = try ClassSet.readTSV(repositoryRoot.appendingPathComponent("wordnet/cifar10.tsv"))
            likert = try StudySpec.load(repositoryRoot.appendingPathComponent("studies/cifar10-class-likert.json"))
            instance = try StudySpec.load(repositoryRoot.appendingPathComponent("studies/cifar10-instance-labels.json"))
            try Data(Self.payload.utf8).write(to: payloads)
        } catch {
            fatalError("cannot set up the import targets (set EXPLICABLE_ROOT to the repository): \(error)")
        }
    }

    static let reuse = ProcessInfo.processInfo.environment["EXPLICABLE_FUZZ_FRESH_STORE"] == "1" ? 1 : 256
    private var current: (store: LabelStore, study: Study, uses: Int)?

    func run(_ url: URL, format: ImportFormat) {
        if current == nil || current!.uses >= Self.reuse {
            let (spec, json) = format == .cifar10hRaw || format == .counts ? instance : likert
            do {
                let store = try LabelStore()
                let study = try Study.create(
                    spec: spec, specJSON: json, classes: classes, in: store,
                    now: Date(timeIntervalSince1970: 1_780_000_000))
                current = (store, study, 0)
            } catch {
                fatalError("cannot make the study: \(error)")
            }
        }
        current!.uses += 1
        let (store, study, _) = current!
        let options = ImportOptions(
            format: format, rejectsFile: rejects, payloads: format == .prolific ? payloads : nil)
        _ = try? Importer(study: study, store: store).run(
            url, options: options, now: Date(timeIntervalSince1970: 1_780_000_100))
    }

    static let payload = #"""
        {"format":"explicable-payload/1","study":"cifar10-class-likert","assignment":0,"prolific_pid":"P1","study_id":"X","session_id":"S1","started_at":"2026-11-29T07:00:00.000Z","submitted_at":"2026-11-29T07:02:30.000Z","responses":[{"item":"pair:0:1","value":3,"cannot_tell":false,"rt_ms":500,"position":0},{"item":"attn:circle-triangle","value":0,"cannot_tell":false,"rt_ms":501,"position":1}]}

        """#
}
