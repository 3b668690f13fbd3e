import Foundation
import Synchronization

/// Assignment indices by session token, shared by the server's request handlers.
final class AssignmentCache: Sendable {
    private let entries = Mutex<[String: Int]>([:])

    subscript(token: String) -> Int? {
        get { entries.withLock { $0[token] } }
        set { entries.withLock { $0[token] = newValue } }
    }
}

/// Rendered PNGs by file name, shared by the server's request handlers.
final class ImageCache: Sendable {
    private let entries = Mutex<[String: Data]>([:])

    subscript(file: String) -> Data? {
        get { entries.withLock { $0[file] } }
        set { entries.withLock { $0[file] = newValue } }
    }
}
