import ExplicableCore
import Foundation
import Hummingbird
import LabelStore
import NIOCore
import Studies

// Decoding the API's JSON request bodies: media type, size limit, malformed JSON, repeated keys.
extension StudyServer {
    /// The request body as JSON of `T`, or the response saying why not: 415 unless the body is
    /// declared `application/json`, 400 for malformed JSON or a key that repeats in an object
    /// (decoders keep one of the two silently).
    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async -> Result<T, ResponseBox> {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            return .failure(
                .init(
                    Responses.error(
                        .unsupportedMediaType,
                        "the request body must be JSON sent as 'Content-Type: application/json'")))
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBodyBytes {
            return .failure(
                .init(
                    Responses.error(
                        .contentTooLarge,
                        "request body too large (\(length) bytes; the limit is \(configuration.maxBodyBytes))")))
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: configuration.maxBodyBytes) } catch {
            return .failure(
                .init(
                    Responses.error(
                        .contentTooLarge,
                        "request body too large (the limit is \(configuration.maxBodyBytes) bytes)")))
        }
        do {
            let data = Data(buffer.readableBytesView)
            let value = try JSONDecoder().decode(T.self, from: data)
            if let key = Self.repeatedKey(in: data) {
                return .failure(
                    .init(Responses.error(.badRequest, "malformed JSON: key '\(key)' repeats in an object")))
            }
            return .success(value)
        } catch let error as DecodingError {
            return .failure(.init(Responses.error(.badRequest, "malformed JSON: \(AnswerAPI.describe(error))")))
        } catch {
            return .failure(.init(Responses.error(.badRequest, "malformed JSON")))
        }
    }

    /// The first key that appears twice in one object of `json` (valid JSON), compared after
    /// unescaping; `nil` when none does.
    static func repeatedKey(in json: Data) -> String? {
        var objects: [Set<String>?] = []  // one entry per open object (a key set) or array (nil)
        var previous: UInt8 = 0  // the last structural byte outside strings
        var index = json.startIndex
        while index < json.endIndex {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "{"): objects.append([])
            case UInt8(ascii: "["): objects.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !objects.isEmpty { objects.removeLast() }
            case UInt8(ascii: "\""):
                var end = json.index(after: index)
                var escaped = false
                while end < json.endIndex, json[end] != UInt8(ascii: "\"") {
                    if json[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end = json.index(after: end)
                    }
                    if end < json.endIndex { end = json.index(after: end) }
                }
                guard end < json.endIndex else { return nil }
                let isKey =
                    objects.last.map { $0 != nil } ?? false
                    && (previous == UInt8(ascii: "{") || previous == UInt8(ascii: ","))
                if isKey {
                    let literal = json[index...end]
                    let key =
                        escaped
                        ? (try? JSONDecoder().decode(String.self, from: Data(literal))) ?? ""
                        : String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
                    if objects[objects.count - 1]!.insert(key).inserted == false { return key }
                }
                index = end
            default: break
            }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r")
                && byte != UInt8(ascii: "\t")
            {
                previous = byte
            }
            index = json.index(after: index)
        }
        return nil
    }

    struct ResponseBox: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }
}
