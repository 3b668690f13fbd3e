internal import CExplicableZlib
internal import Crypto
public import ExplicableCore
public import Foundation

/// The official CIFAR binary releases (Krizhevsky 2009), and how to fetch them into a data folder.
public enum CIFARRelease: String, Sendable, CaseIterable {
    case cifar10
    case cifar100

    /// The official archive.
    public var downloadURL: URL {
        switch self {
        case .cifar10: URL(string: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")!
        case .cifar100: URL(string: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")!
        }
    }

    /// The MD5 of the official archive, as published on the CIFAR page.
    public var md5: String {
        switch self {
        case .cifar10: "c32a1d4ab5d03f1284b67883e8d87530"
        case .cifar100: "03b5dce01913d631647c71ecec9e9cb8"
        }
    }

    /// The folder the archive unpacks to, inside the data folder.
    public var folder: String {
        self == .cifar10 ? DatasetReader.cifar10Folder : DatasetReader.cifar100Folder
    }

    /// The record files the trainer reads, which the archive must hold.
    public var dataFiles: [String] {
        switch self {
        case .cifar10: DatasetReader.cifar10Files(.train) + DatasetReader.cifar10Files(.test)
        case .cifar100: [DatasetReader.cifar100File(.train), DatasetReader.cifar100File(.test)]
        }
    }

    /// Downloads the archive, checks its MD5, unpacks it and checks every record file, then puts
    /// the folder in place in the data folder (replacing an older copy). Nothing is left in the data
    /// folder when any step fails.
    ///
    /// - Parameters:
    ///   - source: where to download from (a mirror); the archive must still have the release's MD5.
    ///   - expected: the expected MD5 of the archive, lowercase hex (default: the release's, ``md5``).
    ///   - data: the data folder the record files go into.
    ///   - progress: called with the bytes downloaded so far and the total, if known.
    /// - Returns: the folder holding the record files.
    public func fetch(
        into data: DataFolder, from source: URL? = nil, md5 expected: String? = nil,
        progress: Downloader.Progress? = nil
    ) throws(ExplicableError) -> URL {
        let source = source ?? downloadURL, expected = (expected ?? md5).lowercased()
        let archive = data.file(".\(rawValue)-\(UUID().uuidString).tar.gz")
        defer { try? FileManager.default.removeItem(at: archive) }
        do {
            try Downloader().fetch(source, to: archive, progress: progress) { file in
                let bytes = try Data(contentsOf: file, options: .mappedIfSafe)
                let digest = Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                guard digest == expected else {
                    throw ExplicableError.badInput("MD5 is \(digest), expected \(expected)")
                }
            }
        } catch  where error.kind == .network {
            throw ExplicableError(
                .network,
                "\(error.message). Offline? Download \(downloadURL.absoluteString) by other means and unpack it "
                    + "into \(data.url.path)")
        }
        let entries = try Self.untar(try Self.gunzip(archive), file: source.absoluteString)
        var files: [String: Data] = [:]
        for (path, body) in entries {
            let parts = path.split(separator: "/")
            guard parts.count == 2, parts[0] == folder else { continue }
            files[String(parts[1])] = body
        }
        for name in dataFiles {
            guard let body = files[name] else {
                throw ExplicableError.badInput("the archive has no \(folder)/\(name)", file: source.absoluteString)
            }
            try DatasetReader.checkCIFAR(
                body, labelBytes: self == .cifar10 ? 1 : 2, file: "\(source.absoluteString):\(folder)/\(name)")
        }
        let staging = data.file(".\(folder)-\(UUID().uuidString)")
        let destination = data.file(folder)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            for (name, body) in files { try body.write(to: staging.appendingPathComponent(name)) }
            if FileManager.default.fileExists(atPath: destination.path) {
                _ = try FileManager.default.replaceItemAt(destination, withItemAt: staging)
            } else {
                try FileManager.default.moveItem(at: staging, to: destination)
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw ExplicableError(
                .io, "cannot unpack into place: \(error.localizedDescription)", file: destination.path)
        }
        return destination
    }

    /// The decompressed contents of a gzip file (zlib's `inflate` with gzip framing).
    static func gunzip(_ url: URL) throws(ExplicableError) -> Data {
        let input: Data
        do { input = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ExplicableError(.io, "cannot read: \(error.localizedDescription)", file: url.path)
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ExplicableError(.io, "zlib: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        input.withUnsafeBytes { raw in
            stream.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(raw.count)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(out.baseAddress!, count: out.count - Int(stream.avail_out))
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        guard status == Z_STREAM_END else {
            let message = stream.msg.map { String(cString: $0) } ?? "truncated or corrupt data (status \(status))"
            throw ExplicableError.badInput("not a gzip archive: \(message)", file: url.path)
        }
        return output
    }

    /// The regular files of a tar archive (ustar, with GNU long names and pax `path` records),
    /// as (path, contents) in archive order.
    static func untar(_ data: Data, file: String) throws(ExplicableError) -> [(String, Data)] {
        let bytes = [UInt8](data)
        var entries: [(String, Data)] = []
        var offset = 0
        var longName: String?
        func field(_ start: Int, _ length: Int) -> String {
            let slice = bytes[(offset + start)..<(offset + start + length)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
        while offset + 512 <= bytes.count {
            if bytes[offset..<(offset + 512)].allSatisfy({ $0 == 0 }) { return entries }
            let sizeText = field(124, 12).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            guard let size = Int(sizeText, radix: 8), size >= 0 else {
                throw ExplicableError.badInput("tar entry at byte \(offset): bad size field '\(sizeText)'", file: file)
            }
            let type = bytes[offset + 156]
            var name = field(0, 100)
            if field(257, 6) == "ustar" {  // POSIX ustar; old GNU headers ("ustar  ") use the prefix field for times
                let prefix = field(345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let bodyStart = offset + 512
            guard bodyStart + size <= bytes.count else {
                throw ExplicableError.badInput("tar entry '\(name)' runs past the end of the archive", file: file)
            }
            let body = Data(bytes[bodyStart..<(bodyStart + size)])
            switch type {
            case UInt8(ascii: "L"):
                longName = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
            case UInt8(ascii: "x"):
                // pax extended header: records "LENGTH key=value\n"; only `path` matters here.
                for record in String(decoding: body, as: UTF8.self).split(separator: "\n") {
                    guard let space = record.firstIndex(of: " ") else { continue }
                    let pair = record[record.index(after: space)...]
                    if pair.hasPrefix("path=") { longName = String(pair.dropFirst(5)) }
                }
            case UInt8(ascii: "0"), 0:
                entries.append((longName ?? name, body))
                longName = nil
            default:
                longName = nil
            }
            offset = bodyStart + (size + 511) / 512 * 512
        }
        throw ExplicableError.badInput("tar archive ends without its end-of-archive blocks", file: file)
    }
}
