public import ExplicableCore
public import Foundation
public import Hummingbird
import HummingbirdCore
public import LabelStore
import Mustache
import NIOCore
public import Studies

/// `explicable study serve`: a study's participant pages, its answer API and admin routes over
/// the label store.
///
/// Routes:
/// - `GET /` consent page (carries `PROLIFIC_PID`/`STUDY_ID`/`SESSION_ID`, `workerId`/`assignmentId`/`hitId`
///   or `PARTICIPANT_ID` on); `GET /start` admits the participant and redirects to their session;
/// - `GET /session/TOKEN` instructions and the assignment (answers given so far filled in);
///   `GET /session/TOKEN/done` completion code, or a redirect to the spec's completion URL; for an
///   MTurk participant who arrived with `turkSubmitTo` (one of MTurk's origins) and an
///   `assignmentId`, a form that posts the assignment back to MTurk's `/mturk/externalSubmit`;
/// - `POST /api/answer` `{"token", "item", "value", "cannot_tell", "rt_ms"}`: saves one answer
///   (atomically, in its own savepoint) and replies once it is committed; answers arriving
///   together share one commit (`LabelStore/saveServedAnswer(studyId:token:itemId:value:cannotTell:reactionMs:position:now:)`). Re-sending the stored answer is idempotent (200, `"duplicate": true`);
///   a different answer to an answered item is 409 (the first answer stands);
/// - `POST /api/finish` `{"token"}`: marks the submission submitted once every item is answered;
/// - `GET /admin/status`, `GET /admin/export.csv` with `Authorization: Bearer $EXPLICABLE_ADMIN_TOKEN`
///   (absent without an admin token: 404).
public struct StudyServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Unfinished sessions idle this long give their assignment back.
        public var timeout: TimeInterval = 3600
        /// The admin routes' bearer token; `nil` turns them off.
        public var adminToken: String?
        /// Largest request body accepted (413 beyond).
        public var maxBodyBytes = 64 * 1024
        /// The folder that item images given as relative file paths are read from (default: the
        /// current directory).
        public var imageFolder: URL?
        /// Token bucket per client address.
        public var requestsPerSecond = 50.0
        public var burst = 100.0
        /// A connection that sends no complete request head for this long after it opens, or
        /// after its last response, is closed (seconds; slow or half-open clients hold no place).
        public var idleTimeout: TimeInterval = 30
        /// A request whose body has not fully arrived this long after its head is closed (seconds).
        public var requestTimeout: TimeInterval = 60
        /// The most connections open at once; more are closed as they arrive, with a log line.
        /// The default leaves 64 of the process's file descriptors for the database and files.
        public var maxConnections = Configuration.defaultMaxConnections
        /// Where the server's own log lines go (the connection limit); the command line prints them to stderr.
        public var log: @Sendable (String) -> Void = { _ in }

        public init() {}

        /// 64 below the soft limit on open files, between 8 and 4,096.
        public static var defaultMaxConnections: Int {
            let open = sysconf(Int32(_SC_OPEN_MAX))
            return open > 0 ? max(8, min(4096, open - 64)) : 512
        }
    }

    public let study: Study
    public let plan: TaskPlan
    public let store: LabelStore
    public let configuration: Configuration
    let pages: MustacheLibrary
    /// Each assignment's item positions by key.
    let positions: [[String: Int]]
    /// Renders the CIFAR-10 images items show; `nil` serves none.
    let images: StudyImages?
    /// The CIFAR-10 image references of the study's items by served file name.
    let imageReferences: [String: String]
    /// The image files of the study's items (references that are file paths) by served file name.
    let imageFiles: [String: URL]
    /// Where a page loads each item image reference from: `/images/NAME` or the reference's URL.
    let imageSources: [String: String]
    /// The origins of item images given as `http(s)` URLs (the pages' CSP allows them).
    let imageOrigins: [String]
    /// Definitions and example images of the classes (`class-neighbours`).
    let details: ClassDetails
    /// Session tokens' assignment indices (a session never changes assignment), so an answer
    /// costs one write transaction and no read.
    let assignmentsByToken = AssignmentCache()
    /// PNGs already rendered, by file name (at most the study's images, a few KiB each).
    let renderedImages = ImageCache()

    /// - Parameters:
    ///   - templates: the folder holding the `serve-*.mustache` templates.
    ///   - images: renders the CIFAR-10 images the study's items show (`GET /images/NAME.png`).
    ///   - details: definitions and example images of the classes `class-neighbours` screens show.
    public init(
        study: Study, store: LabelStore, templates: URL, configuration: Configuration, images: StudyImages? = nil,
        details: ClassDetails = .init()
    ) throws(ExplicableError) {
        self.study = study
        self.images = images
        self.details = details
        (imageReferences, imageFiles, imageSources, imageOrigins) = try Self.itemImages(
            study: study, cifar: images != nil, folder: configuration.imageFolder,
            extra: details.examples.flatMap { $0.prefix(study.spec.effectiveScreen.examples ?? 0) })
        self.store = store
        self.configuration = configuration
        plan = try TaskPlan(study: study)
        positions = plan.assignments.map { Dictionary(uniqueKeysWithValues: $0.itemKeys.enumerated().map { ($1, $0) }) }
        var library = MustacheLibrary()
        for name in ["serve-consent", "serve-session", "serve-done", "serve-message", "serve-style"] {
            let file = templates.appendingPathComponent("\(name).mustache")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ExplicableError(.missingData, "template '\(name).mustache' is missing", file: templates.path)
            }
            do { try library.register(text, named: name) } catch {
                throw ExplicableError(.badInput, "template error: \(error)", file: file.path)
            }
        }
        pages = library
    }

    /// Image file types served from disk, by extension.
    static let imageTypes = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp"]

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
                let url = reference.hasPrefix("/") ? URL(fileURLWithPath: reference) : base.appendingPathComponent(reference)
                let ext = url.pathExtension.lowercased()
                guard imageTypes[ext] != nil else {
                    throw ExplicableError(.badInput,
                        "item \(key): image '\(reference)' is not a .png, .jpg, .jpeg, .gif or .webp file", file: url.path)
                }
                var directory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &directory), !directory.boolValue else {
                    throw ExplicableError(.missingData,
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

    /// The router with every route and the middleware.
    public func makeRouter() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: ServeMiddleware(limiter: RateLimiter(rate: configuration.requestsPerSecond,
            burst: configuration.burst)))
        router.get("/") { request, _ in consent(request) }
        router.get("/start") { request, _ in try await start(request) }
        router.get("/session/:token") { _, context in try await session(context.parameters.get("token") ?? "") }
        router.get("/session/:token/done") { _, context in try await done(context.parameters.get("token") ?? "") }
        router.get("/images/:file") { _, context in image(context.parameters.get("file") ?? "") }
        router.post("/api/answer") { request, _ in try await answer(request) }
        router.post("/api/finish") { request, _ in try await finish(request) }
        if let token = configuration.adminToken, !token.isEmpty {
            router.get("/admin/status") { request, _ in
                guard authorized(request, token: token) else { return unauthorized() }
                return try await status()
            }
            router.get("/admin/export.csv") { request, _ in
                guard authorized(request, token: token) else { return unauthorized() }
                return try await export()
            }
        }
        return router
    }

    /// Serves until SIGTERM or SIGINT (graceful shutdown: requests in flight finish) or until
    /// the task is cancelled.
    /// - Parameters:
    ///   - handlingSignals: whether SIGTERM and SIGINT shut down (tests running several servers pass `false`).
    ///   - onRunning: called with the bound port once the server listens.
    public func run(handlingSignals: Bool = true, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let limiter = ConnectionLimiter(limit: configuration.maxConnections, log: configuration.log)
        let requestTimeout = TimeAmount.nanoseconds(Int64(configuration.requestTimeout * 1e9))
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(limiter: limiter, requestTimeout: requestTimeout)],
                idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) })
        if handlingSignals { try await app.runService() } else { try await app.runService(gracefulShutdownSignals: []) }
    }

    // MARK: Participant pages

    /// The query parameters that carry platform ids (participant, study, session, assignment, HIT).
    static let platformIDParameters = ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "assignmentId", "hitId",
        "PARTICIPANT_ID"]
    /// The longest platform id accepted.
    static let maxPlatformIDLength = 128

    /// The first platform-id parameter of `query` that is present but not an id: longer than
    /// ``maxPlatformIDLength``, not starting with an ASCII letter or digit, or holding anything
    /// but those and `. _ : -` (Prolific and MTurk ids are letters and digits). Such a request is
    /// refused with 400 and nothing is stored, so no id can carry markup into a page or a
    /// formula into an export (whose cells then never need neutralising, and import back as they are).
    static func invalidPlatformID(_ query: Parameters) -> String? {
        platformIDParameters.first { name in
            guard let value = query.get(name), let first = value.utf8.first else { return false }
            let startsAlphanumeric = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first | 0x20)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            return value.utf8.count > maxPlatformIDLength || !startsAlphanumeric || !value.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                    UInt8(ascii: "-"):
                    true
                default: false
                }
            }
        }
    }

    func invalidIDPage(_ name: String) -> Response {
        message("Invalid link", "The study link's '\(name)' is not a valid id (at most \(Self.maxPlatformIDLength) "
            + "letters, digits, '.', '_', ':' or '-', starting with a letter or digit). Please open the link from the "
            + "recruiting platform again.",
            status: .badRequest)
    }

    /// The platform and raw id a request's query names, if any (ids checked by ``invalidPlatformID(_:)``).
    static func participant(_ query: Parameters) -> (platform: String, id: String)? {
        func value(_ name: String) -> String? {
            guard let v = query.get(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty, v.count <= 128 else {
                return nil
            }
            return v
        }
        if let id = value("PROLIFIC_PID") { return ("prolific", id) }
        if let id = value("workerId") { return ("mturk", id) }
        if let id = value("PARTICIPANT_ID") { return ("self-hosted", id) }
        return nil
    }

    /// Renders a participant page. An MTurk study's pages may be framed by MTurk (external
    /// questions are shown in an iframe there); other studies' pages refuse framing.
    func render(
        _ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, formTargets: [String] = []
    ) -> Response {
        let nonce = Responses.randomHex(bytes: 16)
        var context = context
        context["nonce"] = nonce
        context["title"] = study.spec.title
        return Responses.page(pages.render(context, withTemplate: template) ?? "", nonce: nonce, status: status,
            framedBy: study.spec.platform == .mturk ? Responses.mturkOrigins : [], formTargets: formTargets,
            imageOrigins: imageOrigins)
    }

    /// MTurk's `turkSubmitTo` when it is one of MTurk's origins (anything else is ignored, so
    /// the finished page never posts to another site).
    static func mturkSubmitTo(_ query: Parameters) -> String? {
        guard var origin = query.get("turkSubmitTo") else { return nil }
        while origin.hasSuffix("/") { origin.removeLast() }
        return Responses.mturkOrigins.contains(origin) ? origin : nil
    }

    func message(_ heading: String, _ text: String, status: HTTPResponse.Status) -> Response {
        render("serve-message", ["heading": heading, "message": text], status: status)
    }

    func consent(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        if let bad = Self.invalidPlatformID(query) { return invalidIDPage(bad) }
        guard Self.participant(query) != nil else {
            return message("Participant id missing",
                "This study link lacks your participant id (PROLIFIC_PID, workerId or PARTICIPANT_ID). "
                    + "Please open the link from the recruiting platform again.", status: .badRequest)
        }
        if query.get("assignmentId") == "ASSIGNMENT_ID_NOT_AVAILABLE" {
            return message("Preview", "Please accept the HIT to take part.", status: .ok)
        }
        let kept = ["PROLIFIC_PID", "STUDY_ID", "SESSION_ID", "workerId", "assignmentId", "hitId", "turkSubmitTo",
            "PARTICIPANT_ID"]
            .compactMap { name in query.get(name).map { ["name": name, "value": $0] } }
        let spec = study.spec
        return render("serve-consent", [
            "fields": kept, "minutes": spec.pay.estimatedMinutes.map { String(format: "%.0f", $0) } as Any,
            "reward": String(format: "%.2f %@", spec.pay.rewardPerAssignment, spec.pay.currency),
            "items": plan.assignments.first?.itemKeys.count ?? 0,
        ])
    }

    func start(_ request: Request) async throws -> Response {
        if let bad = Self.invalidPlatformID(request.uri.queryParameters) { return invalidIDPage(bad) }
        guard let (platform, rawID) = Self.participant(request.uri.queryParameters) else {
            return message("Participant id missing",
                "This study link lacks your participant id (PROLIFIC_PID, workerId or PARTICIPANT_ID).", status: .badRequest)
        }
        let query = request.uri.queryParameters
        if query.get("assignmentId") == "ASSIGNMENT_ID_NOT_AVAILABLE" {
            return message("Preview", "Please accept the HIT to take part.", status: .ok)
        }
        let attempt = (platform == "prolific" ? query.get("SESSION_ID") : platform == "mturk" ? query.get("assignmentId") : nil)
            .flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 }
        let hash = try store.annotatorHash(platform: platform, rawID: rawID)
        let arrival = try await store.admitServedParticipant(
            studyId: study.id, platform: platform, idHash: hash, assignmentCount: plan.assignments.count,
            maxAssignmentsPerWorker: study.spec.qc.maxAssignmentsPerWorker ?? 1, timeout: configuration.timeout,
            token: Responses.randomHex(bytes: 32), platformAssignmentID: attempt,
            submitTo: platform == "mturk" ? Self.mturkSubmitTo(query) : nil)
        switch arrival {
        case .started(let session), .resumed(let session):
            return Responses.redirect("/session/\(session.token)" + (session.finishedAt == nil ? "" : "/done"))
        case .limitReached:
            return message("Already taken part", "You have already completed this study. Thank you!", status: .forbidden)
        case .expired:
            return message("Session expired",
                "Your session timed out and its place was given to another participant.", status: .gone)
        case .full:
            return message("Study full", "All places in this study are taken. Please return the study.",
                status: .serviceUnavailable)
        }
    }

    struct PageItem: Encodable {
        struct Option: Encodable {
            var value: String
            var label: String
        }

        var key, text: String
        var image: String?
        var options: [Option]
        /// The stored answer: a value, `cannot-tell`, or nil.
        var answer: String?
        /// The screen a `class-neighbours` candidate belongs to.
        var screen: ScreenView?
    }

    struct PageData: Encodable {
        var token: String
        var items: [PageItem]
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    func session(_ token: String) async throws -> Response {
        guard let session = try await store.servedSession(studyId: study.id, token: token) else {
            return message("Unknown session", "This session link is not valid.", status: .notFound)
        }
        if session.releasedAt != nil {
            return message("Session expired", "Your session timed out and its place was given to another participant.",
                status: .gone)
        }
        if session.finishedAt != nil { return Responses.redirect("/session/\(token)/done") }
        let scale = study.spec.effectiveScale
        let items = plan.assignments[session.assignmentIndex].itemKeys.compactMap { key -> PageItem? in
            guard let item = study.item(key: key) else { return nil }
            var options: [PageItem.Option]
            if item.kind == .image || (item.kind == .attention && study.spec.design == .instanceLabel) {
                options = study.classes.labels.enumerated().map { .init(value: String($0), label: $1) }
            } else {
                options = scale.map { .init(value: String($0.value), label: "\($0.value) – \($0.label)") }
            }
            if study.acceptsCannotTell(item) { options.append(.init(value: "cannot-tell", label: "Cannot tell")) }
            let stored = session.answers[key].map { $0.cannotTell ? "cannot-tell" : $0.value.map(Self.format) ?? "" }
            let image = item.image.flatMap { imageSources[$0] }
            return PageItem(key: key, text: study.text(of: item), image: image, options: options, answer: stored,
                screen: study.screenView(of: item, details: details) { imageSources[$0] })
        }
        return render("serve-session", [
            "instructions": study.spec.instructions, "resumed": !session.answers.isEmpty,
            "pageJSON": Responses.scriptJSON(PageData(token: token, items: items)),
        ])
    }

    func done(_ token: String) async throws -> Response {
        guard let session = try await store.servedSession(studyId: study.id, token: token), session.finishedAt != nil
        else {
            return message("Not finished", "This session is not finished.", status: .notFound)
        }
        let completion = study.spec.completionURL
        if let submitTo = session.submitTo, !session.assignmentID.hasPrefix("serve:") {
            // An MTurk external question: the assignment is submitted by posting it back to MTurk.
            return render("serve-done", [
                "code": completion.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? nil : $0 } as Any,
                "mturk": ["action": submitTo + "/mturk/externalSubmit", "assignmentId": session.assignmentID],
            ], formTargets: [submitTo])
        }
        if let completion, completion.hasPrefix("https://") || completion.hasPrefix("http://") {
            return Responses.redirect(completion)
        }
        return render("serve-done", ["code": completion as Any])
    }

    func image(_ file: String) -> Response {
        if let url = imageFiles[file] {
            // Read at each request (a file may be large or replaced while the study runs).
            guard let data = try? Data(contentsOf: url) else {
                return Responses.error(.notFound, "image \(file) is not available")
            }
            return Response(status: .ok,
                headers: [.contentType: Self.imageTypes[url.pathExtension.lowercased()] ?? "application/octet-stream",
                    .cacheControl: "public, max-age=3600"],
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
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(bytes: png)))
        } catch {
            return Responses.error(.notFound, "image \(file) is not available: \(error.message)")
        }
    }

    // MARK: API

    /// The request body as JSON of `T`, or the response saying why not: 415 unless the body is
    /// declared `application/json`, 400 for malformed JSON or a key that repeats in an object
    /// (decoders keep one of the two silently).
    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async -> Result<T, ResponseBox> {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            return .failure(.init(Responses.error(.unsupportedMediaType,
                "the request body must be JSON sent as 'Content-Type: application/json'")))
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBodyBytes {
            return .failure(.init(Responses.error(.contentTooLarge,
                "request body too large (\(length) bytes; the limit is \(configuration.maxBodyBytes))")))
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: configuration.maxBodyBytes) } catch {
            return .failure(.init(Responses.error(.contentTooLarge,
                "request body too large (the limit is \(configuration.maxBodyBytes) bytes)")))
        }
        do {
            let data = Data(buffer.readableBytesView)
            let value = try JSONDecoder().decode(T.self, from: data)
            if let key = Self.repeatedKey(in: data) {
                return .failure(.init(Responses.error(.badRequest, "malformed JSON: key '\(key)' repeats in an object")))
            }
            return .success(value)
        } catch let error as DecodingError {
            return .failure(.init(Responses.error(.badRequest, "malformed JSON: \(Self.describe(error))")))
        } catch {
            return .failure(.init(Responses.error(.badRequest, "malformed JSON")))
        }
    }

    /// The first key that appears twice in one object of `json` (valid JSON), compared after
    /// unescaping; `nil` when none does.
    static func repeatedKey(in json: Data) -> String? {
        var objects: [Set<String>?] = []  // one entry per open object (a key set) or array (nil)
        var previous: UInt8 = 0  // the last structural byte outside strings
        var index = json.startIndex
        while index < json.endIndex {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "{"): objects.append([])
            case UInt8(ascii: "["): objects.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !objects.isEmpty { objects.removeLast() }
            case UInt8(ascii: "\""):
                var end = json.index(after: index)
                var escaped = false
                while end < json.endIndex, json[end] != UInt8(ascii: "\"") {
                    if json[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end = json.index(after: end)
                    }
                    if end < json.endIndex { end = json.index(after: end) }
                }
                guard end < json.endIndex else { return nil }
                let isKey = objects.last.map { $0 != nil } ?? false
                    && (previous == UInt8(ascii: "{") || previous == UInt8(ascii: ","))
                if isKey {
                    let literal = json[index...end]
                    let key = escaped
                        ? (try? JSONDecoder().decode(String.self, from: Data(literal))) ?? ""
                        : String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
                    if objects[objects.count - 1]!.insert(key).inserted == false { return key }
                }
                index = end
            default: break
            }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r")
                && byte != UInt8(ascii: "\t")
            {
                previous = byte
            }
            index = json.index(after: index)
        }
        return nil
    }

    struct ResponseBox: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "expected a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "not valid JSON"
        }
    }

    struct AnswerRequest: Decodable {
        var token: String
        var item: String
        var value: Double?
        var cannotTell: Bool?
        var rtMs: Double?

        enum CodingKeys: String, CodingKey {
            case token, item, value
            case cannotTell = "cannot_tell"
            case rtMs = "rt_ms"
        }
    }

    struct AnswerResponse: Encodable {
        var saved: Bool
        var duplicate: Bool
        var answered: Int
        var total: Int
    }

    func answer(_ request: Request) async throws -> Response {
        let body: AnswerRequest
        switch await decode(AnswerRequest.self, request) {
        case .success(let value): body = value
        case .failure(let box): return box.response
        }
        let assignmentIndex: Int
        if let cached = assignmentsByToken[body.token] {
            assignmentIndex = cached
        } else {
            guard let session = try await store.servedSession(studyId: study.id, token: body.token) else {
                return Responses.error(.notFound, "unknown session token")
            }
            assignmentIndex = session.assignmentIndex
            assignmentsByToken[body.token] = assignmentIndex
        }
        let assignment = plan.assignments[assignmentIndex]
        guard let position = positions[assignmentIndex][body.item], let item = study.item(key: body.item) else {
            return Responses.error(.badRequest, "item '\(body.item)' is not in this participant's assignment")
        }
        let cannotTell = body.cannotTell ?? false
        if cannotTell && body.value != nil {
            return Responses.error(.badRequest, "give either a value or cannot_tell, not both")
        }
        // The same check as the importers' (Study.check); only the wording is the API's.
        if case .failure(let problem) = study.check(
            value: body.value, cannotTell: cannotTell, reactionMs: body.rtMs, for: item)
        {
            switch problem {
            case .cannotTellNotAllowed:
                return Responses.error(.badRequest, "item '\(body.item)' does not accept 'cannot tell'")
            case .missingValue:
                return Responses.error(.badRequest, "missing field 'value'")
            case .notAClass(let value, _), .offScale(let value, _):
                return Responses.error(.badRequest, "value \(Self.format(value)) is not on the scale (accepted: "
                    + study.acceptedValues(for: item).map(Self.format).joined(separator: ", ") + ")")
            case .reactionTime:
                return Responses.error(.badRequest, "field 'rt_ms' must be a number of milliseconds in 0…86400000")
            }
        }
        let outcome = try await store.saveServedAnswer(studyId: study.id, token: body.token, itemId: item.id!,
            value: cannotTell ? nil : body.value, cannotTell: cannotTell, reactionMs: body.rtMs, position: position)
        let total = assignment.itemKeys.count
        switch outcome {
        case .saved(let answered):
            return Responses.json(.ok, AnswerResponse(saved: true, duplicate: false, answered: answered, total: total))
        case .duplicate(let answered):
            return Responses.json(.ok, AnswerResponse(saved: false, duplicate: true, answered: answered, total: total))
        case .conflict:
            return Responses.error(.conflict, "item '\(body.item)' already has a different answer; the first answer stands")
        case .unknownSession:
            return Responses.error(.notFound, "unknown session token")
        case .finished:
            return Responses.error(.conflict, "this session is finished; answers can no longer change")
        case .released:
            return Responses.error(.gone, "this session timed out and was released")
        }
    }

    struct FinishRequest: Decodable {
        var token: String
    }

    struct FinishResponse: Encodable {
        var finished: Bool
        var next: String
    }

    func finish(_ request: Request) async throws -> Response {
        let body: FinishRequest
        switch await decode(FinishRequest.self, request) {
        case .success(let value): body = value
        case .failure(let box): return box.response
        }
        guard let session = try await store.servedSession(studyId: study.id, token: body.token) else {
            return Responses.error(.notFound, "unknown session token")
        }
        let required = plan.assignments[session.assignmentIndex].itemKeys.count
        switch try await store.finishServedSession(studyId: study.id, token: body.token, required: required) {
        case .finished:
            return Responses.json(.ok, FinishResponse(finished: true, next: "/session/\(body.token)/done"))
        case .incomplete(let missing):
            return Responses.error(.badRequest, "\(missing) of \(required) items are not answered yet")
        case .unknownSession:
            return Responses.error(.notFound, "unknown session token")
        case .released:
            return Responses.error(.gone, "this session timed out and was released")
        }
    }

    // MARK: Admin

    func authorized(_ request: Request, token: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst(7).utf8), expected = Array(token.utf8)
        var difference = given.count ^ expected.count
        for (i, byte) in expected.enumerated() { difference |= Int(byte ^ (i < given.count ? given[i] : 0)) }
        return difference == 0
    }

    func unauthorized() -> Response {
        var response = Responses.error(.unauthorized, "admin routes need 'Authorization: Bearer <EXPLICABLE_ADMIN_TOKEN>'")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    struct StatusBody: Encodable {
        struct Item: Encodable {
            var key: String
            var target: Int
            var collected: Int
        }

        struct QC: Encodable {
            var accepted, rejected, pending: Int
        }

        /// What `study qc` would decide now, over the finished submissions (nothing is stored).
        struct QCPreview: Encodable {
            struct Rejected: Encodable {
                var assignment, reason: String
            }

            var finished, accept, reject: Int
            var rejected: [Rejected]
        }

        var study: String
        var assignments: Int
        var participants: ServedCounts
        var ratingsCollected, targetRatings, itemsComplete, items: Int
        var qc: QC
        var qcPreview: QCPreview
        var perItem: [Item]
    }

    func status() async throws -> Response {
        let counts = try store.collectionCounts(studyId: study.id)
        let status = try StudyStatus.of(study, in: store)
        let participants = try await store.servedCounts(studyId: study.id)
        let perItem = study.items.filter { !$0.isAttentionCheck }.map {
            StatusBody.Item(key: $0.key, target: $0.targetRatings, collected: counts.ratingsPerItem[$0.id!] ?? 0)
        }
        let finished = try QualityControl(study: study, store: store).evaluate().rows.filter(\.isFinished)
        let rejected = finished.filter { $0.status == .rejected }
        let preview = StatusBody.QCPreview(finished: finished.count, accept: finished.count - rejected.count,
            reject: rejected.count, rejected: rejected.map { .init(assignment: $0.assignmentID, reason: $0.reason ?? "") })
        return Responses.json(.ok, StatusBody(
            study: study.spec.name, assignments: plan.assignments.count, participants: participants,
            ratingsCollected: status.ratingsCollected, targetRatings: status.targetRatings,
            itemsComplete: status.itemsComplete, items: status.items,
            qc: .init(accepted: status.submissionsAccepted, rejected: status.submissionsRejected,
                pending: status.submissionsPending),
            qcPreview: preview, perItem: perItem))
    }

    func export() async throws -> Response {
        var csv = "annotator,assignment,item,value,rt_ms\n"
        for row in try await store.longAnswers(studyId: study.id) {
            let value = row.cannotTell ? "cannot-tell" : row.value.map(Self.format) ?? ""
            let rt = row.reactionMs.map(Self.format) ?? ""
            csv += [row.annotatorHash, row.assignmentID, row.itemKey, value, rt].map(csvField).joined(separator: ",") + "\n"
        }
        return Responses.csv(csv, fileName: "\(study.spec.name)-answers.csv")
    }
}
