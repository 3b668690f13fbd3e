import Foundation
import Hummingbird

/// Builders of the server's responses.
enum Responses {
    /// Headers every response carries; pages add their CSP with a nonce.
    static func secure(_ headers: inout HTTPFields) {
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if headers[.contentSecurityPolicy] == nil {
            headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        }
        // Pages an MTurk study lets MTurk frame say so in their CSP (`frame-ancestors`), which
        // X-Frame-Options cannot express; every other response refuses framing both ways.
        if headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true {
            headers[.init("X-Frame-Options")!] = "DENY"
        }
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Encodable {
        var error: String
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, ErrorBody(error: message))
    }

    /// MTurk's origins: the ones an MTurk external question is framed by and posts back to.
    static let mturkOrigins = ["https://www.mturk.com", "https://workersandbox.mturk.com"]

    /// An HTML page whose scripts and styles run only with `nonce`.
    /// - Parameters:
    ///   - framedBy: origins that may show the page in a frame (none: framing is refused).
    ///   - formTargets: origins the page's forms may post to besides the server itself.
    ///   - imageOrigins: origins the page may load images from besides the server itself.
    static func page(
        _ html: String, nonce: String, status: HTTPResponse.Status = .ok, framedBy: [String] = [],
        formTargets: [String] = [],
        imageOrigins: [String] = []
    ) -> Response {
        let ancestors = framedBy.isEmpty ? "'none'" : framedBy.joined(separator: " ")
        let forms = (["'self'"] + formTargets).joined(separator: " ")
        let images = (["'self'", "data:"] + imageOrigins).joined(separator: " ")
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; "
                    + "img-src \(images); connect-src 'self'; form-action \(forms); base-uri 'none'; frame-ancestors \(ancestors)",
            ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func csv(_ text: String, fileName: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(fileName)\"",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Random bytes as lower-case hex: session tokens (32 bytes) and CSP nonces (16).
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// JSON safe inside `<script type="application/json">`.
    static func scriptJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
        return text.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
    }
}
