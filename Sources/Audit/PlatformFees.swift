/// What a crowdsourcing platform adds to what the annotators are paid.
public enum PlatformFees {
    /// MTurk: 20% of reward and bonus, plus another 20% of the reward for HITs with 10 or more
    /// assignments (Amazon Mechanical Turk pricing, since July 2015).
    public static func mturk(reward: Double, bonus: Double = 0, assignmentsPerHIT: Int) -> Double {
        0.20 * (reward + bonus) + (assignmentsPerHIT >= 10 ? 0.20 * reward : 0)
    }

    /// Prolific: a service fee as a share of rewards and bonuses (a parameter: Prolific has
    /// changed it over time; 33.3% for most researchers in 2024).
    public static func prolific(reward: Double, bonus: Double = 0, feeRate: Double = 1.0 / 3.0) -> Double {
        feeRate * (reward + bonus)
    }
}
