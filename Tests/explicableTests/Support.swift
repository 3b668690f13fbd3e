import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The path of a fixture shared through TestSupport (`mini.xml`, `mini.xml.gz`, `mini-classes.tsv`).
func fixture(_ name: String) -> String { fixtureFile(name).path }

/// Written by one background reader, read after `group.wait()`.
final class DataBox: @unchecked Sendable {
    var data = Data()
}

struct Run {
    var status: Int32
    var out: String
    var err: String
}

/// Runs the built `explicable` binary with `arguments`; `HOME` points at an empty folder so no
/// real data folder is picked up by accident.
func run(_ arguments: String..., environment: [String: String] = [:]) throws -> Run {
    try runWithArguments(arguments, environment: environment)
}

/// ``run(_:environment:)`` with the arguments as an array.
func runWithArguments(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = productsFolder.appendingPathComponent("explicable")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["HOME"] = try temporaryFolder().path
    env.removeValue(forKey: "EXPLICABLE_DATA")
    env["EXPLICABLE_HOME"] = repositoryRoot.path
    env["EXPLICABLE_OFFLINE"] = "1"  // tests never reach the network
    for (k, v) in environment { env[k] = v }
    process.environment = env
    return try runProcess(process)
}

/// Runs a configured `process` to its end and returns its exit status, stdout and stderr.
func runProcess(_ process: Process) throws -> Run {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so neither fills up and blocks the child.
    let errBox = DataBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
        err: String(decoding: errBox.data, as: UTF8.self))
}

/// A tiny HTTP/1.0 server on 127.0.0.1 for download tests: serves fixed routes, then closes.
final class LocalHTTPServer: @unchecked Sendable {
    // @unchecked Sendable: `routes` is immutable after init; the socket is used by the accept thread only.
    let port: UInt16
    private let socketFD: Int32
    private let routes: [String: (status: Int, body: Data)]

    init(routes: [String: (status: Int, body: Data)]) throws {
        self.routes = routes
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketFD = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var request = Data()
            while !request.contains(Data("\r\n\r\n".utf8)) {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                request.append(contentsOf: buffer[0..<n])
            }
            let line = String(decoding: request.prefix(while: { $0 != 0x0D }), as: UTF8.self)
            let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let (status, body) = routes[path] ?? (404, Data("not found".utf8))
            var response = Data(
                "HTTP/1.0 \(status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
            response.append(body)
            response.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let n = write(client, raw.baseAddress! + sent, raw.count - sent)
                    if n <= 0 { break }
                    sent += n
                }
            }
            close(client)
        }
    }

    func stop() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }
}
