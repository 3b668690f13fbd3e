import Foundation
import Hummingbird

/// Rate limit per client address, secure headers on every response, and every error as one
/// clear JSON message.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        // Images are exempt: an instance-label page loads hundreds at once, each rendered once and cached.
        if !request.uri.path.hasPrefix("/images/"), !limiter.allow(context.clientKey) {
            response = Responses.error(.tooManyRequests, "too many requests from this address; slow down and retry")
            response.headers[.retryAfter] = "1"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                let message: String
                switch error.status {
                case .notFound: message = "no such page: \(request.uri.path)"
                case .contentTooLarge: message = "request body too large"
                case .methodNotAllowed: message = "method \(request.method) not allowed on \(request.uri.path)"
                default: message = "\(error.status.reasonPhrase)"
                }
                response = Responses.error(error.status, message)
            } catch {
                response = Responses.error(.internalServerError, "the server could not handle the request")
            }
        }
        Responses.secure(&response.headers)
        return response
    }
}
