import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts a server's open connections and refuses those over the limit, logging one line when
/// refusing starts (and at most one a minute while it goes on).
final class ConnectionLimiter: Sendable {
    let limit: Int
    let log: @Sendable (String) -> Void
    private struct State {
        var open = 0
        var refused = 0
        var lastLog: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    init(limit: Int, log: @escaping @Sendable (String) -> Void) {
        precondition(limit > 0, "connection limit must be positive")
        self.limit = limit
        self.log = log
    }

    /// The number of connections open now.
    var openCount: Int { state.withLock { $0.open } }

    /// Takes a place for a new connection; false (the connection is to be closed) when all are taken.
    func admit() -> Bool {
        let (admitted, line) = state.withLock { s -> (Bool, String?) in
            if s.open < limit {
                s.open += 1
                return (true, nil)
            }
            s.refused += 1
            let now = ContinuousClock.now
            guard s.lastLog.map({ now - $0 >= .seconds(60) }) ?? true else { return (false, nil) }
            let line =
                "connection limit reached: \(limit) connections open; refused \(s.refused) new "
                + "connection\(s.refused == 1 ? "" : "s"); more are closed until some of the open ones finish"
            (s.lastLog, s.refused) = (now, 0)
            return (false, line)
        }
        if let line { log(line) }
        return admitted
    }

    /// Gives back a place taken by ``admit()``.
    func release() {
        state.withLock { s in
            s.open -= 1
            if s.open < limit { s.lastLog = nil }  // the next refusal starts a new episode, logged at once
        }
    }
}

/// Sits after the HTTP decoder of every connection: takes a place from the ``ConnectionLimiter``
/// (closing the connection when there is none) and closes a connection whose request, from its
/// head to the end of its body, takes longer than the request timeout to arrive. (The time to the
/// first complete request head, and between requests, is Hummingbird's idle timeout.)
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let limiter: ConnectionLimiter
    let requestTimeout: TimeAmount
    private var isAdmitted = false
    private var deadline: Scheduled<Void>?

    init(limiter: ConnectionLimiter, requestTimeout: TimeAmount) {
        self.limiter = limiter
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if limiter.admit() {
            isAdmitted = true
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) {
                context.close(promise: nil)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func release() {
        guard isAdmitted else { return }
        isAdmitted = false
        limiter.release()
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
