import Foundation

/// The bodies of the study server's answer API, `POST /api/answer` and `POST /api/finish`, and
/// how its error messages spell a decoding failure and a value.
///
/// They live here, not in `StudyServer`, so that every reader of those bodies decodes the same
/// types: the server, and the fuzz target that feeds them hostile JSON without building the
/// HTTP stack.
///
/// ```swift
/// let body = try JSONDecoder().decode(AnswerAPI.Answer.self, from: Data(#"{"token":"t","item":"pair:0:1","value":4}"#.utf8))
/// // body.value == 4
/// ```
public enum AnswerAPI {
    /// One answer: `{"token", "item", "value" | "cannot_tell" | "not_applicable" | "text" | "choices",
    /// "rt_ms"?, "position"?}`.
    public struct Answer: Decodable, Sendable {
        public var token: String
        public var item: String
        public var value: Double?
        public var cannotTell: Bool?
        public var notApplicable: Bool?
        public var rtMs: Double?
        /// The showing answered, by its place in the assignment: required for an item shown
        /// more than once (spec `repeats`), else optional.
        public var position: Int?
        /// The answer to a free-text attention check.
        public var text: String?
        /// The options ticked for a multi-select attention check.
        public var choices: [String]?

        enum CodingKeys: String, CodingKey {
            case token, item, value, position, text, choices
            case cannotTell = "cannot_tell"
            case notApplicable = "not_applicable"
            case rtMs = "rt_ms"
        }
    }

    /// The end of a session: `{"token"}`.
    public struct Finish: Decodable, Sendable {
        public var token: String
    }

    /// The longest free-text answer accepted, in UTF-8 bytes.
    public static let maxTextBytes = 2_000

    /// A decoding failure in one short phrase that names the field, for a 400 response.
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "expected a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "not valid JSON"
        }
    }

    /// A value as the API's messages and exports write it: whole numbers without a decimal point.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
