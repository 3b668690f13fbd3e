public import Hummingbird
public import NIOCore

/// The request context of the study server: Hummingbird's core storage plus the client address
/// the rate limit keys on.
public struct ServeContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address, the key of its rate-limit bucket.
    var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
