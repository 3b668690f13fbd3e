import ExplicableCore
import Foundation
import Hummingbird
import LabelStore
import NIOCore
import Studies

// Item images: CIFAR-10 references rendered to PNG, files read from disk, URLs shown as they are.
extension StudyServer {
    /// Image file types served from disk, by extension.
    static let imageTypes = [
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp",
    ]

    /// Sorts the items' image references: CIFAR-10 references (rendered; shown when `cifar`),
    /// `http(s)` URLs (shown as they are, their origins allowed by the CSP) and file paths
    /// (relative to `folder`, checked now: a missing file or an unknown type stops the server
    /// before it serves anyone).
    static func itemImages(study: Study, cifar: Bool, folder: URL?, extra: [String] = []) throws(ExplicableError) -> (
        cifar: [String: String], files: [String: URL], sources: [String: String], origins: [String]
    ) {
        var references: [String: String] = [:], files: [String: URL] = [:], sources: [String: String] = [:]
        var origins = Set<String>()
        let base = folder ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let shown = study.items.compactMap { item in item.image.map { (item.key, $0) } } + extra.map { ("example", $0) }
        for (key, reference) in shown {
            guard sources[reference] == nil else { continue }
            if StudyImages.isCIFAR(reference) {
                guard cifar else { continue }
                references[StudyImages.fileName(reference)] = reference
                sources[reference] = "/images/" + StudyImages.fileName(reference)
            } else if reference.hasPrefix("https://") || reference.hasPrefix("http://") {
                guard let parts = URLComponents(string: reference), let scheme = parts.scheme, let host = parts.host,
                    !host.isEmpty
                else {
                    throw ExplicableError(.badInput, "item \(key): image '\(reference)' is not a valid URL")
                }
                origins.insert("\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? ""))
                sources[reference] = reference
            } else {
                let url =
                    reference.hasPrefix("/") ? URL(fileURLWithPath: reference) : base.appendingPathComponent(reference)
                let ext = url.pathExtension.lowercased()
                guard imageTypes[ext] != nil else {
                    throw ExplicableError(
                        .badInput,
                        "item \(key): image '\(reference)' is not a .png, .jpg, .jpeg, .gif or .webp file",
                        file: url.path)
                }
                var directory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &directory), !directory.boolValue
                else {
                    throw ExplicableError(
                        .missingData,
                        "item \(key): image file not found (relative paths are read from --image-dir, "
                            + "default the current folder)", file: url.path)
                }
                let name = "file-\(files.count).\(ext)"
                files[name] = url
                sources[reference] = "/images/" + name
            }
        }
        return (references, files, sources, origins.sorted())
    }

    func image(_ file: String) -> Response {
        if let url = imageFiles[file] {
            // Read at each request (a file may be large or replaced while the study runs).
            guard let data = try? Data(contentsOf: url) else {
                return Responses.error(.notFound, "image \(file) is not available")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: Self.imageTypes[url.pathExtension.lowercased()] ?? "application/octet-stream",
                    .cacheControl: "public, max-age=3600",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        guard let images, let reference = imageReferences[file] else {
            return Responses.error(.notFound, "no such image: \(file)")
        }
        do {
            let png: Data
            if let cached = renderedImages[file] {
                png = cached
            } else {
                png = try images.png(reference)
                renderedImages[file] = png
            }
            return Response(
                status: .ok, headers: [.contentType: "image/png", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(bytes: png)))
        } catch {
            return Responses.error(.notFound, "image \(file) is not available: \(error.message)")
        }
    }
}
