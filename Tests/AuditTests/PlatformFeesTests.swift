import Audit
import Testing

struct PlatformFeesTests {
    @Test func mturkChargesTwentyPercentAndTwentyMoreFromTenAssignments() {
        #expect(abs(PlatformFees.mturk(reward: 0.50, bonus: 0.10, assignmentsPerHIT: 9) - 0.12) < 1e-12)
        #expect(abs(PlatformFees.mturk(reward: 0.50, bonus: 0.10, assignmentsPerHIT: 10) - 0.22) < 1e-12)
        #expect(PlatformFees.mturk(reward: 0, assignmentsPerHIT: 50) == 0)
    }

    @Test func prolificTakesItsRateOfRewardAndBonus() {
        #expect(abs(PlatformFees.prolific(reward: 3, bonus: 0.6) - 1.2) < 1e-12)
        #expect(abs(PlatformFees.prolific(reward: 3, feeRate: 0.25) - 0.75) < 1e-12)
    }
}
