import Foundation
import Glibc
import LabelStore
import Studies
@testable import StudyServer
import Synchronization
import Testing

/// Slow and half-open clients: the idle (request-head) timeout, the request timeout and the
/// connection limit, against a live server on 127.0.0.1 with small limits.
@Suite("ConnectionGuard") struct ConnectionGuardTests {
    /// 20 connections that send half a request head are closed after the idle timeout, while a
    /// normal request is answered.
    @Test func partialRequestHeadsAreClosedAfterTheIdleTimeout() async throws {
        let (_, store, study) = try makeStudy()
        var c = configuration()
        c.idleTimeout = 3
        c.requestTimeout = 3
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: c)
        try await withServer(server) { port in
            let opened = Date()
            let slow = try await offThread {
                try (0..<20).map { _ in try RawClient(port: port, send: "GET / HTTP/1.1\r\nHost: x\r\n") }
            }
            // A normal request is answered meanwhile (retried: on a loaded machine the test client's
            // own connection can sit idle past the timeout before its request goes out).
            var consent = 0
            for _ in 0..<3 where consent != 200 {
                consent =
                    (try? await withTestClient(port: port) { client in
                        try await client.fetch("/?PROLIFIC_PID=p1&STUDY_ID=s1&SESSION_ID=x1").status
                    }) ?? 0
            }
            #expect(consent == 200)
            let deadline = Date().addingTimeInterval(20)
            let closed = await offThread { slow.map { $0.waitsForClose(seconds: deadline.timeIntervalSinceNow) } }
            #expect(closed.allSatisfy { $0 }, "\(closed.filter { !$0 }.count) of 20 slow connections stayed open")
            #expect(Date().timeIntervalSince(opened) >= 2.5)
        }
    }

    /// A request whose body trickles in is closed after the request timeout.
    @Test func slowBodiesAreClosedAfterTheRequestTimeout() async throws {
        let (_, store, study) = try makeStudy()
        var c = configuration()
        c.idleTimeout = 30
        c.requestTimeout = 1
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: c)
        try await withServer(server) { port in
            let client = try await offThread {
                try RawClient(
                    port: port,
                    send: "POST /api/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{")
            }
            #expect(await offThread { client.waitsForClose(seconds: 20) })
        }
    }

    /// Over the limit, new connections are closed at once, with one log line; places free up as
    /// connections close.
    @Test func connectionsOverTheLimitAreClosedWithALogLine() async throws {
        let (_, store, study) = try makeStudy()
        let lines = Mutex<[String]>([])
        var c = configuration()
        c.maxConnections = 4
        c.idleTimeout = 60
        c.log = { line in lines.withLock { $0.append(line) } }
        let server = try StudyServer(study: study, store: store, templates: templates, configuration: c)
        try await withServer(server) { port in
            // Each held connection has had a response, so it holds a place before the extras arrive
            // (connections are set up on several event loops, in no fixed order). The wait is as long
            // as the test client's (see Support.swift): CPU-bound tests can hold up route handlers.
            let held = try await offThread {
                try (0..<4).map { _ in try RawClient(port: port, send: "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n") }
            }
            #expect(await offThread { held.allSatisfy { $0.receivesBytes(seconds: 180) } })
            let extra = try await offThread { try (0..<3).map { _ in try RawClient(port: port, send: "") } }
            let deadline = Date().addingTimeInterval(20)
            #expect(await offThread { extra.allSatisfy { $0.waitsForClose(seconds: deadline.timeIntervalSinceNow) } })
            #expect(await offThread { held.allSatisfy { !$0.waitsForClose(seconds: 0.2) } })
            let logged = lines.withLock { $0 }
            #expect(
                logged.count == 1 && logged[0].hasPrefix("connection limit reached: 4 connections open"), "\(logged)")
            for client in held { client.close() }
            var status = 0
            for _ in 0..<50 where status != 200 {
                try await Task.sleep(for: .milliseconds(100))
                status =
                    (try? await withTestClient(port: port) { client in
                        try await client.fetch("/?PROLIFIC_PID=p1&STUDY_ID=s1&SESSION_ID=x1").status
                    }) ?? 0
            }
            #expect(status == 200)
        }
    }
}

/// Runs blocking socket work off the cooperative thread pool.
func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in Thread { continuation.resume(returning: body()) }.start() }
}

/// A blocking TCP client on 127.0.0.1 that sends some bytes and then only waits.
final class RawClient: Sendable {
    let socket: Int32

    init(port: Int, send text: String) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard socket >= 0, connected else { throw POSIXError(.ECONNREFUSED) }
        if !text.isEmpty { _ = text.withCString { Glibc.send(socket, $0, strlen($0), 0) } }
    }

    /// Whether the server closes the connection within `seconds` (reads return end of file or a reset).
    func waitsForClose(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(left * 1000)) > 0 else { return false }
            let n = recv(socket, &buffer, buffer.count, 0)
            if n <= 0 { return true }  // 0: closed; -1: reset
        }
    }

    /// Whether some bytes (a response) arrive within `seconds`.
    func receivesBytes(seconds: Double) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        var buffer = [UInt8](repeating: 0, count: 4096)
        return poll(&descriptor, 1, Int32(seconds * 1000)) > 0 && recv(socket, &buffer, buffer.count, 0) > 0
    }

    func close() { Glibc.shutdown(socket, Int32(SHUT_RDWR)) }

    deinit { Glibc.close(socket) }
}
