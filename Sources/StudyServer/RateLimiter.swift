import Foundation
import Synchronization

/// A token bucket per client address: `rate` requests per second on average, bursts of `burst`.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes a token from `key`'s bucket; `false` when it is empty.
    func allow(_ key: String, now: Double = ProcessInfo.processInfo.systemUptime) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > 10_000 {
                // Forget clients whose buckets have refilled: they behave as new ones would.
                buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate < burst }
            }
            return allowed
        }
    }
}
