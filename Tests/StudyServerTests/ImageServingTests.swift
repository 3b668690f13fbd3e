import ExplicableCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
import StudyServer
import Testing
import TestSupport

/// The shared data folder; a missing CIFAR-10 fails the test (it never skips silently).
func requireCIFAR() throws -> URL {
    _ = try requireCIFAR10Folder()
    return sharedData
}

/// An instance-label study over cat/dog/ship whose images are `images`.
func makeImageStudy(_ images: [String: Any], perAssignment: Int = 3) throws -> (LabelStore, Study) {
    let set = try ClassSet.parseTSV("index\tlabel\n0\tcat\n1\tdog\n2\tship\n", file: "t.tsv", name: "t")
    let object: [String: Any] = [
        "name": "serve-images", "design": "instance-label", "title": "Label", "instructions": "Pick the class.",
        "classSet": "t.tsv", "question": "What is in the image?", "ratingsPerItem": 1,
        "itemsPerAssignment": perAssignment,
        "images": images, "attentionChecksPerAssignment": 0, "attentionChecks": [],
        "platform": "prolific", "pay": ["rewardPerAssignment": 0.5, "currency": "GBP"], "qc": [:], "seed": 3,
    ]
    let data = try JSONSerialization.data(withJSONObject: object)
    let spec = try StudySpec.decode(data, file: "t.json")
    let store = try LabelStore(path: try temporaryFolder().appendingPathComponent("s.sqlite").path)
    return (
        store, try Study.create(spec: spec, specJSON: String(decoding: data, as: UTF8.self), classes: set, in: store)
    )
}

@Suite("StudyServer images") struct ImageServingTests {
    @Test func instanceLabelPagesShowTheirImagesAndNothingElseIsServed() async throws {
        let sharedData = try requireCIFAR()
        let (store, study) = try makeImageStudy(["source": "cifar10-test", "count": 6])
        // A tight rate limit: images are exempt from it (an instance-label page loads hundreds).
        let server = try StudyServer(
            study: study, store: store, templates: templates, configuration: configuration(rate: 4),
            images: StudyImages(data: DataFolder(url: sharedData), scale: 1))
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)")
                let key = try await client.items(token)[0].key
                let n = key.split(separator: ":").last!
                #expect(
                    page.body.contains("\"image\":\"\\/images\\/cifar10-test-\(n).png\"")
                        || page.body.contains("\"image\":\"/images/cifar10-test-\(n).png\""))
                let png = try await client.fetch("/images/cifar10-test-\(n).png")
                #expect(png.status == 200)
                #expect(png.headers[.contentType] == "image/png")
                for _ in 0..<20 { #expect(try await client.fetch("/images/cifar10-test-\(n).png").status == 200) }
                #expect(png.body.contains("PNG\r\n") && png.body.contains("IHDR"))
                #expect(try await client.fetch("/images/cifar10-test-9999.png").status == 404)
                #expect(try await client.fetch("/images/..%2F..%2Fetc%2Fpasswd").status == 404)
                let r = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 3])
                #expect(r.json["error"] as? String == "value 3 is not on the scale (accepted: 0, 1, 2)")
                #expect(
                    try await client.post("/api/answer", json: ["token": token, "item": key, "value": 2]).status == 200)
            }
        }
    }

    /// Images given as file paths are served from --image-dir (only those files); URLs are shown as
    /// they are and their origin is allowed by the CSP.
    @Test func fileAndURLImagesAreShown() async throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("img"), withIntermediateDirectories: true)
        let bytes = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 100))
        try bytes.write(to: folder.appendingPathComponent("img/cat.png"))
        try Data("secret".utf8).write(to: folder.appendingPathComponent("img/other.png"))
        let (store, study) = try makeImageStudy(
            [
                "source": "list",
                "list": [
                    ["image": "img/cat.png", "trueClass": 0],
                    ["image": "https://images.example.org:8443/dog.jpg", "trueClass": 1],
                ],
            ], perAssignment: 2)
        var config = configuration()
        config.imageFolder = folder
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: config)
        try await withServer(server) { port in
            try await withTestClient(port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)")
                let body = page.body.replacingOccurrences(of: "\\/", with: "/")
                #expect(body.contains("\"image\":\"/images/file-0.png\""), "\(body)")
                #expect(body.contains("\"image\":\"https://images.example.org:8443/dog.jpg\""))
                let csp = page.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("img-src 'self' data: https://images.example.org:8443;"), "\(csp)")
                let png = try await client.fetch("/images/file-0.png")
                #expect(
                    png.status == 200 && png.headers[.contentType] == "image/png"
                        && png.body.hasSuffix("PNG\r\n\u{1A}\n" + String(repeating: "\u{07}", count: 100)))
                #expect(try await client.fetch("/images/other.png").status == 404)
                #expect(try await client.fetch("/images/img%2Fother.png").status == 404)
            }
        }
        // A missing file stops the server before it serves anyone, naming the item and the path.
        config.imageFolder = folder.appendingPathComponent("img")
        #expect {
            _ = try StudyServer(study: study, store: store, templates: templates, configuration: config)
        } throws: { error in
            let e = error as? ExplicableError
            return e?.message.contains("item image:0: image file not found") == true
                && e?.file?.hasSuffix("img/img/cat.png") == true
        }
    }
}
