import ExplicableCore
import Foundation
import Hummingbird
import LabelStore
import Mustache
import NIOCore
import Studies

// Participant pages: consent, admission, the session page and the completion page.
extension StudyServer {
    /// The query parameters that carry platform ids (participant, study, session, assignment, HIT).
    static let platformIDParameters = [
        "PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "assignmentId", "hitId",
        "PARTICIPANT_ID",
    ]
    /// The longest platform id accepted.
    static let maxPlatformIDLength = 128

    /// The first platform-id parameter of `query` that is present but not an id: longer than
    /// ``maxPlatformIDLength``, not starting with an ASCII letter or digit, or holding anything
    /// but those and `. _ : -` (Prolific and MTurk ids are letters and digits). Such a request is
    /// refused with 400 and nothing is stored, so no id can carry markup into a page or a
    /// formula into an export (whose cells then never need neutralising, and import back as they are).
    static func invalidPlatformID(_ query: Parameters) -> String? {
        platformIDParameters.first { name in
            guard let value = query.get(name), let first = value.utf8.first else { return false }
            let startsAlphanumeric =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            return value.utf8.count > maxPlatformIDLength || !startsAlphanumeric
                || !value.utf8.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                        UInt8(ascii: "-"):
                        true
                    default: false
                    }
                }
        }
    }

    func invalidIDPage(_ name: String) -> Response {
        message(
            "Invalid link",
            "The study link's '\(name)' is not a valid id (at most \(Self.maxPlatformIDLength) "
                + "letters, digits, '.', '_', ':' or '-', starting with a letter or digit). Please open the link from the "
                + "recruiting platform again.",
            status: .badRequest)
    }

    /// The platform and raw id a request's query names, if any (ids checked by ``invalidPlatformID(_:)``).
    static func participant(_ query: Parameters) -> (platform: String, id: String)? {
        func value(_ name: String) -> String? {
            guard let v = query.get(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty, v.count <= 128 else {
                return nil
            }
            return v
        }
        if let id = value("PROLIFIC_PID") { return ("prolific", id) }
        if let id = value("workerId") { return ("mturk", id) }
        if let id = value("PARTICIPANT_ID") { return ("self-hosted", id) }
        return nil
    }

    /// Renders a participant page. An MTurk study's pages may be framed by MTurk (external
    /// questions are shown in an iframe there); other studies' pages refuse framing.
    func render(
        _ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, formTargets: [String] = []
    ) -> Response {
        let nonce = Responses.randomHex(bytes: 16)
        var context = context
        context["nonce"] = nonce
        context["title"] = study.spec.title
        return Responses.page(
            pages.render(context, withTemplate: template) ?? "", nonce: nonce, status: status,
            framedBy: study.spec.platform == .mturk ? Responses.mturkOrigins : [], formTargets: formTargets,
            imageOrigins: imageOrigins)
    }

    /// MTurk's `turkSubmitTo` when it is one of MTurk's origins (anything else is ignored, so
    /// the finished page never posts to another site).
    static func mturkSubmitTo(_ query: Parameters) -> String? {
        guard var origin = query.get("turkSubmitTo") else { return nil }
        while origin.hasSuffix("/") { origin.removeLast() }
        return Responses.mturkOrigins.contains(origin) ? origin : nil
    }

    func message(_ heading: String, _ text: String, status: HTTPResponse.Status) -> Response {
        render("serve-message", ["heading": heading, "message": text], status: status)
    }

    func consent(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        if let bad = Self.invalidPlatformID(query) { return invalidIDPage(bad) }
        guard Self.participant(query) != nil else {
            return message(
                "Participant id missing",
                "This study link lacks your participant id (PROLIFIC_PID, workerId or PARTICIPANT_ID). "
                    + "Please open the link from the recruiting platform again.", status: .badRequest)
        }
        if query.get("assignmentId") == "ASSIGNMENT_ID_NOT_AVAILABLE" {
            return message("Preview", "Please accept the HIT to take part.", status: .ok)
        }
        let kept = [
            "PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "assignmentId", "hitId", "turkSubmitTo",
            "PARTICIPANT_ID",
        ]
        .compactMap { name in query.get(name).map { ["name": name, "value": $0] } }
        let spec = study.spec
        return render(
            "serve-consent",
            [
                "fields": kept, "minutes": spec.pay.estimatedMinutes.map { String(format: "%.0f", $0) } as Any,
                "reward": String(format: "%.2f %@", spec.pay.rewardPerAssignment, spec.pay.currency),
                "items": itemsPerAssignment,
            ])
    }

    func start(_ request: Request) async throws -> Response {
        if let bad = Self.invalidPlatformID(request.uri.queryParameters) { return invalidIDPage(bad) }
        guard let (platform, rawID) = Self.participant(request.uri.queryParameters) else {
            return message(
                "Participant id missing",
                "This study link lacks your participant id (PROLIFIC_PID, workerId or PARTICIPANT_ID).",
                status: .badRequest)
        }
        let query = request.uri.queryParameters
        if query.get("assignmentId") == "ASSIGNMENT_ID_NOT_AVAILABLE" {
            return message("Preview", "Please accept the HIT to take part.", status: .ok)
        }
        let attempt =
            (platform == "prolific" ? query.get("SESSION_ID") : platform == "mturk" ? query.get("assignmentId") : nil)
            .flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 }
        let hash = try store.annotatorHash(platform: platform, rawID: rawID)
        let arrival = try await store.admitServedParticipant(
            studyId: study.id, platform: platform, idHash: hash, assignmentCount: plan?.assignments.count ?? 0,
            maxAssignmentsPerWorker: study.spec.qc.maxAssignmentsPerWorker ?? 1, timeout: configuration.timeout,
            token: Responses.randomHex(bytes: 32), platformAssignmentID: attempt,
            submitTo: platform == "mturk" ? Self.mturkSubmitTo(query) : nil, allocation: allocation)
        switch arrival {
        case .started(let session), .resumed(let session):
            return Responses.redirect("/session/\(session.token)" + (session.finishedAt == nil ? "" : "/done"))
        case .limitReached:
            return message(
                "Already taken part", "You have already completed this study. Thank you!", status: .forbidden)
        case .expired:
            return message(
                "Session expired",
                "Your session timed out and its place was given to another participant.", status: .gone)
        case .full:
            return message(
                "Study full", "All places in this study are taken. Please return the study.",
                status: .serviceUnavailable)
        }
    }

    struct PageItem: Encodable {
        struct Option: Encodable {
            var value: String
            var label: String
        }

        var key, text: String
        var image: String?
        var options: [Option]
        /// A continuous scale's slider (the options then hold only "cannot tell", if allowed).
        var slider: StudySpec.ContinuousScale?
        /// The stored answer: a value, `cannot-tell`, `not-applicable`, a free-text answer, or nil.
        var answer: String?
        /// A free-text attention check: answered in a text field (absent otherwise).
        var textAnswer: Bool?
        /// A multi-select check's options, shown as checkboxes (absent otherwise).
        var choices: [String]?
        /// The screen a `class-neighbours` candidate belongs to.
        var screen: ScreenView?
    }

    struct PageData: Encodable {
        var token: String
        var items: [PageItem]
    }

    func session(_ token: String) async throws -> Response {
        guard let session = try await store.servedSession(studyId: study.id, token: token) else {
            return message("Unknown session", "This session link is not valid.", status: .notFound)
        }
        if session.releasedAt != nil {
            return message(
                "Session expired", "Your session timed out and its place was given to another participant.",
                status: .gone)
        }
        if session.finishedAt != nil { return Responses.redirect("/session/\(token)/done") }
        let scale = study.spec.effectiveScale
        guard let keys = try await assignment(session.assignmentIndex)?.keys else {
            return message("Unknown session", "This session link is not valid.", status: .notFound)
        }
        var showings: [String: Int] = [:]
        let items = keys.compactMap { key -> PageItem? in
            guard let item = study.item(key: key) else { return nil }
            showings[key, default: 0] += 1
            let showing = showings[key]!
            var options: [PageItem.Option]
            let slider = study.takesScale(item) ? study.spec.continuousScale : nil
            if item.kind == .image || (item.kind == .attention && study.spec.design == .instanceLabel) {
                options = study.classes.labels.enumerated().map { .init(value: String($0), label: $1) }
            } else if slider != nil {
                options = []
            } else {
                options = scale.map { .init(value: String($0.value), label: "\($0.value) – \($0.label)") }
            }
            if study.acceptsCannotTell(item) { options.append(.init(value: "cannot-tell", label: "Cannot tell")) }
            if study.acceptsNotApplicable(item) {
                options.append(.init(value: "not-applicable", label: study.spec.notApplicableLabel ?? "Not applicable"))
            }
            let choices = study.choiceOptions(of: item)
            let isText = study.textPattern(of: item) != nil
            if isText || choices != nil { options = [] }
            let stored = (showing == 1 ? session.answers[key] : session.repeatAnswers["\(key)#\(showing)"]).map {
                $0.text
                    ?? ($0.cannotTell
                        ? "cannot-tell" : $0.notApplicable ? "not-applicable" : $0.value.map(AnswerAPI.format) ?? "")
            }
            let image = item.image.flatMap { imageSources[$0] }
            return PageItem(
                key: key, text: study.text(of: item), image: image, options: options,
                slider: isText || choices != nil ? nil : slider,
                answer: stored, textAnswer: isText ? true : nil, choices: choices,
                screen: study.screenView(of: item, details: details) { imageSources[$0] })
        }
        return render(
            "serve-session",
            [
                "instructions": study.spec.instructions, "resumed": !session.answers.isEmpty,
                "pageJSON": Responses.scriptJSON(PageData(token: token, items: items)),
            ])
    }

    func done(_ token: String) async throws -> Response {
        guard let session = try await store.servedSession(studyId: study.id, token: token), session.finishedAt != nil
        else {
            return message("Not finished", "This session is not finished.", status: .notFound)
        }
        let completion = study.spec.completionURL
        if let submitTo = session.submitTo, !session.assignmentID.hasPrefix("serve:") {
            // An MTurk external question: the assignment is submitted by posting it back to MTurk.
            return render(
                "serve-done",
                [
                    "code": completion.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? nil : $0 }
                        as Any,
                    "mturk": ["action": submitTo + "/mturk/externalSubmit", "assignmentId": session.assignmentID],
                ], formTargets: [submitTo])
        }
        if let completion, completion.hasPrefix("https://") || completion.hasPrefix("http://") {
            return Responses.redirect(completion)
        }
        return render("serve-done", ["code": completion as Any])
    }
}
