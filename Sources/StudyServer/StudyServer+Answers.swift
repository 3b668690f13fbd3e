import ExplicableCore
import Foundation
import Hummingbird
import LabelStore
import NIOCore
import Studies

// The answer API: `POST /api/answer` and `POST /api/finish`.
extension StudyServer {
    struct AnswerResponse: Encodable {
        var saved: Bool
        var duplicate: Bool
        var answered: Int
        var total: Int
    }

    func answer(_ request: Request) async throws -> Response {
        let body: AnswerAPI.Answer
        switch await decode(AnswerAPI.Answer.self, request) {
        case .success(let value): body = value
        case .failure(let box): return box.response
        }
        let assignmentIndex: Int
        if let cached = assignmentsByToken[body.token] {
            assignmentIndex = cached
        } else {
            guard let session = try await store.servedSession(studyId: study.id, token: body.token) else {
                return Responses.error(.notFound, "unknown session token")
            }
            assignmentIndex = session.assignmentIndex
            assignmentsByToken[body.token] = assignmentIndex
        }
        guard let assignment = try await assignment(assignmentIndex), let positions = assignment.positions[body.item],
            let item = study.item(key: body.item)
        else {
            return Responses.error(.badRequest, "item '\(body.item)' is not in this participant's assignment")
        }
        let showing: Int
        if let asked = body.position {
            guard let index = positions.firstIndex(of: asked) else {
                return Responses.error(
                    .badRequest,
                    "item '\(body.item)' is not at position \(asked) (it is at "
                        + positions.map(String.init).joined(separator: ", ") + ")")
            }
            showing = index + 1
        } else {
            guard positions.count == 1 else {
                return Responses.error(
                    .badRequest,
                    "item '\(body.item)' is shown \(positions.count) times in this assignment: say which with "
                        + "'position' (" + positions.map(String.init).joined(separator: ", ") + ")")
            }
            showing = 1
        }
        let position = positions[showing - 1]
        let cannotTell = body.cannotTell ?? false
        if cannotTell && body.value != nil {
            return Responses.error(.badRequest, "give either a value or cannot_tell, not both")
        }
        let notApplicable = body.notApplicable ?? false
        // The same check as the importers' (Study.check); only the wording is the API's.
        if case .failure(let problem) = study.check(
            value: body.value, text: body.text, choices: body.choices, cannotTell: cannotTell,
            notApplicable: notApplicable, reactionMs: body.rtMs, for: item)
        {
            switch problem {
            case .cannotTellNotAllowed:
                return Responses.error(.badRequest, "item '\(body.item)' does not accept 'cannot tell'")
            case .notApplicableNotAllowed:
                return Responses.error(.badRequest, "item '\(body.item)' does not accept 'not applicable'")
            case .conflictingAnswer:
                return Responses.error(.badRequest, "give one of value, cannot_tell and not_applicable")
            case .missingValue:
                return Responses.error(.badRequest, "missing field 'value'")
            case .notAClass(let value, _), .offScale(let value, _):
                return Responses.error(
                    .badRequest,
                    "value \(AnswerAPI.format(value)) is not on the scale (accepted: "
                        + study.acceptedValues(for: item).map(AnswerAPI.format).joined(separator: ", ") + ")")
            case .offContinuousScale(let value, let scale):
                return Responses.error(.badRequest, "value \(AnswerAPI.format(value)) is not on the scale (\(scale))")
            case .reactionTime:
                return Responses.error(.badRequest, "field 'rt_ms' must be a number of milliseconds in 0…86400000")
            case .textExpected:
                return Responses.error(.badRequest, "item '\(body.item)' takes a text answer: give 'text'")
            case .textNotAccepted:
                return Responses.error(.badRequest, "item '\(body.item)' takes a value, not 'text'")
            case .choicesExpected:
                return Responses.error(.badRequest, "item '\(body.item)' takes the options ticked: give 'choices'")
            case .choicesNotAccepted:
                return Responses.error(.badRequest, "item '\(body.item)' takes one value, not 'choices'")
            case .unknownChoice(let option, let options):
                return Responses.error(
                    .badRequest,
                    "'\(option)' is not an option of item '\(body.item)' (" + options.joined(separator: ", ") + ")")
            }
        }
        if let text = body.text, text.utf8.count > AnswerAPI.maxTextBytes {
            return Responses.error(.badRequest, "field 'text' is longer than \(AnswerAPI.maxTextBytes) bytes")
        }
        let outcome = try await store.saveServedAnswer(
            studyId: study.id, token: body.token, itemId: item.id!, showing: showing,
            value: cannotTell || notApplicable ? nil : body.value, cannotTell: cannotTell, notApplicable: notApplicable,
            text: body.choices.map { StudySpec.choicesText($0, options: study.choiceOptions(of: item) ?? []) }
                ?? body.text,
            reactionMs: body.rtMs, position: position,
            logsAllocation: allocation != nil && !item.isAttentionCheck)
        let total = assignment.keys.count
        switch outcome {
        case .saved(let answered):
            return Responses.json(.ok, AnswerResponse(saved: true, duplicate: false, answered: answered, total: total))
        case .duplicate(let answered):
            return Responses.json(.ok, AnswerResponse(saved: false, duplicate: true, answered: answered, total: total))
        case .conflict:
            return Responses.error(
                .conflict, "item '\(body.item)' already has a different answer; the first answer stands")
        case .unknownSession:
            return Responses.error(.notFound, "unknown session token")
        case .finished:
            return Responses.error(.conflict, "this session is finished; answers can no longer change")
        case .released:
            return Responses.error(.gone, "this session timed out and was released")
        }
    }

    struct FinishResponse: Encodable {
        var finished: Bool
        var next: String
    }

    func finish(_ request: Request) async throws -> Response {
        let body: AnswerAPI.Finish
        switch await decode(AnswerAPI.Finish.self, request) {
        case .success(let value): body = value
        case .failure(let box): return box.response
        }
        guard let session = try await store.servedSession(studyId: study.id, token: body.token) else {
            return Responses.error(.notFound, "unknown session token")
        }
        guard let required = try await assignment(session.assignmentIndex)?.keys.count else {
            return Responses.error(.notFound, "unknown session token")
        }
        switch try await store.finishServedSession(studyId: study.id, token: body.token, required: required) {
        case .finished:
            return Responses.json(.ok, FinishResponse(finished: true, next: "/session/\(body.token)/done"))
        case .incomplete(let missing):
            return Responses.error(.badRequest, "\(missing) of \(required) items are not answered yet")
        case .unknownSession:
            return Responses.error(.notFound, "unknown session token")
        case .released:
            return Responses.error(.gone, "this session timed out and was released")
        }
    }
}
