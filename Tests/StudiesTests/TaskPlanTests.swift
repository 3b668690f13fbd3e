import ExplicableCore
import Foundation
import LabelStore
import Studies
import Testing
import TestSupport

struct TaskPlanTests {
    @Test(arguments: [(3, 15), (46, 15), (5, 7), (1, 90), (2, 89)])
    func everyItemGetsExactlyKRatingsNeverTwiceInAnAssignment(k: Int, perAssignment: Int) throws {
        let (_, study) = try likertStudy(k: k, perAssignment: perAssignment)
        let plan = try TaskPlan(study: study)
        var counts: [String: Int] = [:]
        for assignment in plan.assignments {
            let regular = assignment.itemKeys.filter { $0.hasPrefix("pair:") }
            #expect(Set(regular).count == regular.count, "an item repeats in assignment \(assignment.index)")
            #expect(assignment.itemKeys.filter { $0.hasPrefix("attn:") }.count == 2)
            for key in regular { counts[key, default: 0] += 1 }
        }
        #expect(counts.count == 90 && counts.values.allSatisfy { $0 == k })
        #expect(plan.assignments.count == (90 * k + perAssignment - 1) / perAssignment)
        let sizes = plan.assignments.map { $0.itemKeys.count - 2 }
        #expect(sizes.dropLast().allSatisfy { $0 == perAssignment })
    }

    @Test func theSeedDecidesEverything() throws {
        let (_, a) = try likertStudy()
        let (_, b) = try likertStudy()
        let (_, c) = try likertStudy(changes: ["seed": 7])
        #expect(try TaskPlan(study: a) == TaskPlan(study: b))
        #expect(try TaskPlan(study: a) != TaskPlan(study: c))
    }

    @Test func attentionChecksSitAtVaryingPositions() throws {
        let (_, study) = try likertStudy(k: 10)
        let positions = Set(
            try TaskPlan(study: study).assignments.flatMap { a in
                a.itemKeys.indices.filter { a.itemKeys[$0].hasPrefix("attn:") }
            })
        #expect(positions.count > 8)
    }

    @Test func tooManyItemsPerAssignmentIsRefused() throws {
        let (_, study) = try likertStudy(perAssignment: 91)
        #expect(throws: ExplicableError.self) { try TaskPlan(study: study) }
    }
}

struct TaskWriterTests {
    func write(_ changes: [String: Any?] = [:]) throws -> URL {
        let (_, study) = try likertStudy(changes: changes)
        let folder = try temporaryFolder()
        try TaskWriter(
            study: study, plan: try TaskPlan(study: study),
            templates: repositoryRoot.appendingPathComponent("templates")
        ).write(to: folder)
        return folder
    }

    @Test func writesThePlanTheMTurkBatchAndOnePagePerAssignment() throws {
        let folder = try write()
        let pages = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("pages").path)
        #expect(pages.count == 18 && pages.contains("assignment-0000.html") && pages.contains("assignment-0017.html"))
        let csv = try String(contentsOf: folder.appendingPathComponent("mturk-batch.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("assignment_index,assignment_json\n0,\"{\"\"index\"\":0,\"\"items\"\":[{"))
        #expect(csv.split(separator: "\n").count == 19)
        let hit = try String(contentsOf: folder.appendingPathComponent("mturk-hit.html"), encoding: .utf8)
        #expect(hit.contains("<crowd-form") && hit.contains("${assignment_json}"))
        let plan = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("assignments.json")))
        #expect(((plan as? [String: Any])?["assignments"] as? [Any])?.count == 18)
    }

    @Test func textIsEscapedInHTMLAndInEmbeddedJSON() throws {
        let folder = try write([
            "title": "<script>alert(1)</script> & co",
            "instructions": "Rate </script><b>this</b>",
        ])
        let page = try String(contentsOf: folder.appendingPathComponent("pages/assignment-0000.html"), encoding: .utf8)
        #expect(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>"))
        #expect(!page.contains("<script>alert(1)"))
        #expect(!page.contains("</script><b>"))
        #expect(page.contains(#"\u003c\/script\u003e\u003cb\u003ethis"#))
    }

    @Test func pagesWorkOffline() throws {
        let folder = try write()
        let page = try String(contentsOf: folder.appendingPathComponent("pages/assignment-0000.html"), encoding: .utf8)
        #expect(!page.contains("http://") && !page.contains("https://"))
    }
}

struct TaskImagesTests {
    /// A small instance-label study over the first 30 CIFAR-10 test images.
    func smallInstanceStudy() throws -> Study {
        let url = repositoryRoot.appendingPathComponent("studies/cifar10-instance-labels.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        object["images"] = ["source": "cifar10-test", "count": 30]
        object["ratingsPerItem"] = 2
        object["itemsPerAssignment"] = 10
        object["attentionChecksPerAssignment"] = 2
        let data = try JSONSerialization.data(withJSONObject: object)
        let spec = try StudySpec.decode(data, file: "small.json")
        return try Study.create(
            spec: spec, specJSON: String(decoding: data, as: UTF8.self), classes: cifar10,
            in: try LabelStore())
    }

    @Test func writesAPNGForEveryCIFARImageShown() throws {
        let batch = sharedData.appendingPathComponent("cifar-10-batches-bin/test_batch.bin")
        try #require(FileManager.default.fileExists(atPath: batch.path), "missing \(batch.path) (set EXPLICABLE_DATA)")
        let study = try smallInstanceStudy()
        let folder = try temporaryFolder()
        try TaskWriter(
            study: study, plan: try TaskPlan(study: study),
            templates: repositoryRoot.appendingPathComponent("templates")
        ).write(to: folder, data: DataFolder(url: sharedData))
        let images = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("images").path)
        let tests = images.filter { $0.hasPrefix("cifar10-test-") }
        #expect(tests.count == 30)
        #expect(images.filter { $0.hasPrefix("cifar10-train-") }.count >= 2)  // the attention-check images shown
        let png = try Data(contentsOf: folder.appendingPathComponent("images/cifar10-test-0.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[16..<24]) == [0, 0, 0, 32, 0, 0, 0, 32])  // IHDR width and height
        // Test image 0 (a cat): pixels read from test_batch.bin with python3 (record 0, byte 1 + c·1024 + 32y + x).
        let image = try DecodedPNG(png)
        #expect(image.pixel(x: 0, y: 0) == [158, 112, 49])
        #expect(image.pixel(x: 17, y: 5) == [66, 56, 45])
        #expect(image.pixel(x: 31, y: 31) == [21, 67, 110])
        let page = try String(contentsOf: folder.appendingPathComponent("pages/assignment-0000.html"), encoding: .utf8)
        #expect(page.contains(#"..\/images\/cifar10-test-"#))
    }

    @Test func imagesCanComeFromABaseURL() throws {
        let study = try smallInstanceStudy()
        var writer = try TaskWriter(
            study: study, plan: try TaskPlan(study: study),
            templates: repositoryRoot.appendingPathComponent("templates"))
        writer.imageBaseURL = "https://example.org/study/images"
        let folder = try temporaryFolder()
        try writer.write(to: folder)
        let csv = try String(contentsOf: folder.appendingPathComponent("mturk-batch.csv"), encoding: .utf8)
        #expect(csv.contains(#"https:\/\/example.org\/study\/images\/cifar10-test-"#))
    }

    @Test func missingCIFARDataSaysWhereItShouldBe() throws {
        let study = try smallInstanceStudy()
        let empty = try temporaryFolder()
        #expect {
            try TaskWriter(
                study: study, plan: try TaskPlan(study: study),
                templates: repositoryRoot.appendingPathComponent("templates")
            )
            .write(to: try temporaryFolder(), data: DataFolder(url: empty))
        } throws: { error in
            (error as? ExplicableError)?.message.contains("\(empty.path)/cifar-10-batches-bin/test_batch.bin") == true
        }
    }

    @Test func pngEncoderKnownAnswer() throws {
        // A 2×1 image, red then green: the fixed parts of the file, byte for byte (IEND's CRC is AE426082).
        let png = PNGEncoder.encode(rgb: [255, 0, 0, 0, 255, 0], width: 2, height: 1)
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8) && png[24] == 8 && png[25] == 2)
        // And the image data: decoded (IDAT inflated, filters undone) it gives back the pixels.
        let decoded = try DecodedPNG(png)
        #expect(decoded.width == 2 && decoded.height == 1)
        #expect(decoded.rgb == [255, 0, 0, 0, 255, 0])
    }

    /// Every pixel distinct, rows and columns of different lengths: the decoded image is the input.
    @Test func pngEncoderRoundTripsEveryPixel() throws {
        let (width, height) = (5, 3)
        let pixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let decoded = try DecodedPNG(PNGEncoder.encode(rgb: pixels, width: width, height: height))
        #expect(decoded.width == width && decoded.height == height)
        #expect(decoded.rgb == pixels)
        // Enlarged 2×, pixel (x, y) of the original fills (2x…2x+1, 2y…2y+1).
        let big = try DecodedPNG(
            PNGEncoder.encode(
                rgb: PNGEncoder.upscale(rgb: pixels, width: width, height: height, factor: 2), width: 10, height: 6))
        #expect(big.pixel(x: 9, y: 5) == Array(pixels[((2 * width + 4) * 3)..<((2 * width + 4) * 3 + 3)]))
        #expect(big.pixel(x: 2, y: 1) == Array(pixels[3..<6]))
    }
}
