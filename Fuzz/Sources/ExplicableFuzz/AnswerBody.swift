import Foundation
import Studies

/// The study server's answer-API bodies, decoded with the very types `StudyServer` decodes.
///
/// `POST /api/answer` and `POST /api/finish` collect the body up to `maxBodyBytes` and run
/// `JSONDecoder().decode` on ``AnswerAPI/Answer`` / ``AnswerAPI/Finish``; the error text comes
/// from `AnswerAPI.describe(_:)`, and a decoded answer's value goes through `AnswerAPI.format(_:)`.
/// Those live in `Studies`, so the fuzz package gets them without building Hummingbird and SwiftNIO.
enum AnswerBody {
    static func check(_ data: Data) {
        do {
            let body = try JSONDecoder().decode(AnswerAPI.Answer.self, from: data)
            if let value = body.value { _ = AnswerAPI.format(value) }
            if let rt = body.rtMs { _ = rt.isFinite && rt >= 0 }
            if let text = body.text { _ = text.utf8.count > AnswerAPI.maxTextBytes }
            if let choices = body.choices { _ = Set(choices).count }
        } catch let error as DecodingError {
            _ = AnswerAPI.describe(error)
        } catch {}
        do { _ = try JSONDecoder().decode(AnswerAPI.Finish.self, from: data) } catch let error as DecodingError {
            _ = AnswerAPI.describe(error)
        } catch {}
    }
}
