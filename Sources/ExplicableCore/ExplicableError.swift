public import Foundation

/// An error the command line reports as one `Error: …` line: every error type of explicable's
/// libraries conforms, so the executable maps them all to exit codes in one place.
public protocol ReportableError: Error, CustomStringConvertible {
    /// Whether the error is a malformed input file (exit 2) rather than another failure (exit 1).
    var isMalformedInput: Bool { get }
}

/// The error every explicable target shares: what went wrong, and where.
///
/// `description` is one line, `file:line:column: message`, naming the field and what was expected,
/// so the command line can print it as it is.
public struct ExplicableError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What kind of failure this is; the command line maps kinds to exit codes.
    public enum Kind: String, Sendable, Equatable {
        /// A user file is malformed (bad XML, bad header, wrong size, unknown class …).
        case badInput
        /// A file could not be read or written.
        case io
        /// Data the command needs is not in the data folder and could not be fetched.
        case missingData
        /// An argument or option combination makes no sense.
        case invalidArgument
        /// A download failed.
        case network
    }

    public var kind: Kind
    public var message: String
    public var file: String?
    public var line: Int?
    public var column: Int?

    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    /// A malformed-input error at a place in a file.
    public static func badInput(_ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil)
        -> ExplicableError
    {
        ExplicableError(.badInput, message, file: file, line: line, column: column)
    }

    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line {
                location += ":\(line)"
                if let column { location += ":\(column)" }
            }
            location += ": "
        }
        return location + message
    }

    public var errorDescription: String? { description }
}

extension ExplicableError: ReportableError {
    public var isMalformedInput: Bool { kind == .badInput }
}
