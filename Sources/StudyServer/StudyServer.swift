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
/// - `POST /api/answer` `{"token", "item", "value", "cannot_tell", "not_applicable", "rt_ms"}`: saves one answer
///   (atomically, in its own savepoint) and replies once it is committed; answers arriving
///   together share one commit (`LabelStore/saveServedAnswer(studyId:token:itemId:value:cannotTell:notApplicable:reactionMs:position:logsAllocation:now:)`). Re-sending the stored answer is idempotent (200, `"duplicate": true`);
///   a different answer to an answered item is 409 (the first answer stands);
/// - `POST /api/finish` `{"token"}`: marks the submission submitted once every item is answered;
/// - `GET /admin/status`, `GET /admin/export.csv` with `Authorization: Bearer $EXPLICABLE_ADMIN_TOKEN`
///   (absent without an admin token: 404).
///
/// A study with `allocation: adaptive` has no fixed plan: each new session's assignment is decided
/// by its `Studies.StudyAllocation` allocator inside the admission's transaction, logged in the
/// store with the answers and releases it saw, and rebuilt from that log when the server starts.
///
/// ```swift
/// var configuration = StudyServer.Configuration()
/// configuration.port = 8080
/// let server = try StudyServer(study: study, store: store, templates: URL(fileURLWithPath: "templates"),
///                              configuration: configuration)
/// try await server.run { port in print("serving on \(port)") }
/// ```
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
    /// The balanced plan of a uniform study; `nil` for an adaptive one, whose assignments are
    /// decided as participants arrive.
    public let plan: TaskPlan?
    public let store: LabelStore
    public let configuration: Configuration
    let pages: MustacheLibrary
    /// Each assignment's item positions by key (uniform studies): several for an item shown again (spec `repeats`).
    let positions: [[String: [Int]]]
    /// The allocator of an adaptive study.
    let allocation: LiveAllocation?
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
    ///   - study: the study to serve.
    ///   - store: the label store its sessions and answers are written to.
    ///   - templates: the folder holding the `serve-*.mustache` templates.
    ///   - configuration: address, timeouts, limits and the admin token.
    ///   - images: renders the CIFAR-10 images the study's items show (`GET /images/NAME.png`).
    ///   - details: definitions and example images of the classes `class-neighbours` screens show.
    ///   - prior: the prior similarity matrix of an adaptive study (its spec's `adaptive.prior`,
    ///     resolved by the caller); the allocator's state is rebuilt from the store's log here.
    /// - Throws: `ExplicableError` for a missing template or image, a study without items, or an
    ///   adaptive study without a prior over its classes or with a log that does not replay.
    public init(
        study: Study, store: LabelStore, templates: URL, configuration: Configuration, images: StudyImages? = nil,
        details: ClassDetails = .init(), prior: ClassMatrix? = nil
    ) throws(ExplicableError) {
        self.study = study
        self.images = images
        self.details = details
        (imageReferences, imageFiles, imageSources, imageOrigins) = try Self.itemImages(
            study: study, cifar: images != nil, folder: configuration.imageFolder,
            extra: details.examples.flatMap { $0.prefix(study.spec.effectiveScreen.examples ?? 0) })
        self.store = store
        self.configuration = configuration
        if study.spec.effectiveAllocation == .adaptive {
            guard let prior else {
                throw ExplicableError(
                    .invalidArgument, "study '\(study.spec.name)' uses adaptive allocation and needs its prior")
            }
            let live = LiveAllocation(try StudyAllocation(study: study, prior: prior))
            // Answers imported since the server last ran (a study run partly on a platform) count too.
            try store.logImportedAnswers(studyId: study.id)
            try live.rebuild(from: store.allocationLog(studyId: study.id))
            allocation = live
            plan = nil
            positions = []
        } else {
            allocation = nil
            let plan = try TaskPlan(study: study)
            self.plan = plan
            positions = plan.assignments.map { Self.positions(of: $0.itemKeys) }
        }
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

    /// An assignment's item keys in the order shown and their positions: from the plan, or from
    /// an adaptive study's logged decision; nil for an unknown index.
    func assignment(_ index: Int) async throws -> (keys: [String], positions: [String: [Int]])? {
        if let allocation { return try await allocation.assignment(index, in: store, studyId: study.id) }
        guard let plan, plan.assignments.indices.contains(index) else { return nil }
        return (plan.assignments[index].itemKeys, positions[index])
    }

    /// Where each key is shown in `keys`, in order (an item shown again has several positions).
    static func positions(of keys: [String]) -> [String: [Int]] {
        var positions: [String: [Int]] = [:]
        for (position, key) in keys.enumerated() { positions[key, default: []].append(position) }
        return positions
    }

    /// Items per assignment, attention checks included (the last uniform assignment may hold fewer).
    var itemsPerAssignment: Int {
        plan?.assignments.first?.itemKeys.count ?? study.spec.itemsPerAssignment
            + study.spec.attentionChecksPerAssignment
    }

    /// The router with every route and the middleware.
    public func makeRouter() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(
            middleware: ServeMiddleware(
                limiter: RateLimiter(
                    rate: configuration.requestsPerSecond,
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
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(limiter: limiter, requestTimeout: requestTimeout)],
                    idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) })
        if handlingSignals { try await app.runService() } else { try await app.runService(gracefulShutdownSignals: []) }
    }
}
