import ExplicableCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelStore
import Studies
import StudyServer
import Testing

/// `$EXPLICABLE_DATA`, else `../shared/data` beside the checkout.
let sharedData: URL = {
    if let path = ProcessInfo.processInfo.environment["EXPLICABLE_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
}()

let hasCIFAR = FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("cifar-10-batches-bin/test_batch.bin").path)

@Suite("StudyServer images") struct ImageServingTests {
    @Test(.enabled(if: hasCIFAR, "needs the CIFAR-10 binary release in $EXPLICABLE_DATA or ../shared/data"))
    func instanceLabelPagesShowTheirImagesAndNothingElseIsServed() async throws {
        let set = try ClassSet.parseTSV("index\tlabel\n0\tcat\n1\tdog\n2\tship\n", file: "t.tsv", name: "t")
        let object: [String: Any] = [
            "name": "serve-images", "design": "instance-label", "title": "Label", "instructions": "Pick the class.",
            "classSet": "t.tsv", "question": "What is in the image?", "ratingsPerItem": 1, "itemsPerAssignment": 3,
            "images": ["source": "cifar10-test", "count": 6], "attentionChecksPerAssignment": 0, "attentionChecks": [],
            "platform": "prolific", "pay": ["rewardPerAssignment": 0.5, "currency": "GBP"], "qc": [:], "seed": 3,
        ]
        let data = try JSONSerialization.data(withJSONObject: object)
        let spec = try StudySpec.decode(data, file: "t.json")
        let store = try LabelStore(path: try temporaryFolder().appendingPathComponent("s.sqlite").path)
        let study = try Study.create(spec: spec, specJSON: String(decoding: data, as: UTF8.self), classes: set, in: store)
        // A tight rate limit: images are exempt from it (an instance-label page loads hundreds).
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: configuration(rate: 4),
            images: StudyImages(data: DataFolder(url: sharedData), scale: 1))
        try await withServer(server) { port in
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                let token = try await client.admit("p1")
                let page = try await client.fetch("/session/\(token)")
                let key = try await client.items(token)[0].key
                let n = key.split(separator: ":").last!
                #expect(page.body.contains("\"image\":\"\\/images\\/cifar10-test-\(n).png\"") || page.body.contains("\"image\":\"/images/cifar10-test-\(n).png\""))
                let png = try await client.fetch("/images/cifar10-test-\(n).png")
                #expect(png.status == 200)
                #expect(png.headers[.contentType] == "image/png")
                for _ in 0..<20 { #expect(try await client.fetch("/images/cifar10-test-\(n).png").status == 200) }
                #expect(png.body.contains("PNG\r\n") && png.body.contains("IHDR"))
                #expect(try await client.fetch("/images/cifar10-test-9999.png").status == 404)
                #expect(try await client.fetch("/images/..%2F..%2Fetc%2Fpasswd").status == 404)
                let r = try await client.post("/api/answer", json: ["token": token, "item": key, "value": 3])
                #expect(r.json["error"] as? String == "value 3 is not on the scale (accepted: 0, 1, 2)")
                #expect(try await client.post("/api/answer", json: ["token": token, "item": key, "value": 2]).status == 200)
            }
        }
    }
}
