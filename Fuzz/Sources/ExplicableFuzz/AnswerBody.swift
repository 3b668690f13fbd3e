import Foundation

/// The study server's answer-API bodies, decoded as `StudyServer` decodes them.
///
/// `POST /api/answer` and `POST /api/finish` (Sources/StudyServer/StudyServer.swift, `decode(_:_:)`)
/// collect the body up to `maxBodyBytes` and run `JSONDecoder().decode` on the private
/// `AnswerRequest` / `FinishRequest` structs; the error text comes from `describe(_:)`, and a
/// decoded answer's value goes through `format(_:)`. This mirrors those types and functions
/// instead of depending on StudyServer, which would build Hummingbird and SwiftNIO into the fuzz
/// package for one `JSONDecoder` call. Keep it in step with StudyServer+Answers.swift.
enum AnswerBody {
    struct AnswerRequest: Decodable {
        var token: String
        var item: String
        var value: Double?
        var cannotTell: Bool?
        var notApplicable: Bool?
        var rtMs: Double?
        var position: Int?
        var text: String?
        var choices: [String]?

        enum CodingKeys: String, CodingKey {
            case token, item, value, position, text, choices
            case cannotTell = "cannot_tell"
            case notApplicable = "not_applicable"
            case rtMs = "rt_ms"
        }
    }

    struct FinishRequest: Decodable {
        var token: String
    }

    static func check(_ data: Data) {
        do {
            let body = try JSONDecoder().decode(AnswerRequest.self, from: data)
            if let value = body.value { _ = format(value) }
            if let rt = body.rtMs { _ = rt.isFinite && rt >= 0 }
            if let text = body.text { _ = text.utf8.count > 2_000 }
            if let choices = body.choices { _ = Set(choices).count }
        } catch let error as DecodingError {
            _ = describe(error)
        } catch {}
        do { _ = try JSONDecoder().decode(FinishRequest.self, from: data) } catch let error as DecodingError {
            _ = describe(error)
        } catch {}
    }

    /// As `StudyServer.describe(_:)`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "expected a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "not valid JSON"
        }
    }

    /// As `StudyServer.format(_:)`.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
