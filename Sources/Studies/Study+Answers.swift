public import ExplicableCore
public import LabelStore

/// What is wrong with one answer. The importers (which add file and line) and `study serve`
/// (which answers 400) check answers with the same ``Study/check(value:cannotTell:reactionMs:for:)``.
public enum AnswerProblem: Error, Equatable, Sendable {
    /// "Cannot tell" was given where the spec does not allow it (or for an attention check).
    case cannotTellNotAllowed
    /// "Not applicable" was given where the spec does not allow it (or for an attention check).
    case notApplicableNotAllowed
    /// Both "cannot tell" and "not applicable", or either with a value.
    case conflictingAnswer
    /// No value (or NaN / infinity) and no "cannot tell".
    case missingValue
    /// An instance-label answer that is not a class index `0..<classCount`.
    case notAClass(Double, classCount: Int)
    /// A rating that is not one of the scale's points.
    case offScale(Double, accepted: [Double])
    /// A rating outside a continuous scale's range or between its steps.
    case offContinuousScale(Double, StudySpec.ContinuousScale)
    /// A reaction time that is not a finite number of milliseconds in 0…86,400,000 (one day).
    case reactionTime(Double)
    /// A value, "cannot tell" or "not applicable" (or nothing) for a free-text attention check.
    case textExpected
    /// Text for an item that is not a free-text attention check.
    case textNotAccepted
    /// Anything but ticked options for a multi-select check.
    case choicesExpected
    /// Ticked options for an item that is not a multi-select check (several options chosen for one value).
    case choicesNotAccepted([String])
    /// An option a multi-select check does not have.
    case unknownChoice(String, options: [String])
}

extension Study {
    /// The longest reaction time an answer may report, in milliseconds (one day).
    public static let longestReactionMs = 86_400_000.0

    /// Checks one answer to `item` and returns the value to store (`nil` for "cannot tell").
    ///
    /// Image items (and attention checks of instance-label studies) take class indices, everything
    /// else the scale's points (``acceptedValues(for:)``) or any step of the continuous scale; "cannot tell" only where
    /// ``acceptsCannotTell(_:)``; a reaction time, when given, in 0…``longestReactionMs``.
    public func check(value: Double?, cannotTell: Bool, reactionMs: Double?, for item: ItemRecord)
        -> Result<Double?, AnswerProblem>
    {
        check(value: value, cannotTell: cannotTell, notApplicable: false, reactionMs: reactionMs, for: item)
    }

    /// Checks one answer to `item`, which may be "not applicable" (``acceptsNotApplicable(_:)``),
    /// and returns the value to store (`nil` for "cannot tell" and "not applicable").
    public func check(value: Double?, cannotTell: Bool, notApplicable: Bool, reactionMs: Double?, for item: ItemRecord)
        -> Result<Double?, AnswerProblem>
    {
        check(
            value: value, text: nil, cannotTell: cannotTell, notApplicable: notApplicable, reactionMs: reactionMs,
            for: item)
    }

    /// Checks one answer to `item`, which may be text (free-text attention checks, ``textPattern(of:)``):
    /// returns the value to store (`nil` for text, "cannot tell" and "not applicable"). Whether the
    /// text matches the check's pattern is quality control's business, not a reason to refuse it.
    public func check(
        value: Double?, text: String?, choices: [String]? = nil, cannotTell: Bool, notApplicable: Bool,
        reactionMs: Double?, for item: ItemRecord
    ) -> Result<Double?, AnswerProblem> {
        if let reactionMs, !(reactionMs.isFinite && reactionMs >= 0 && reactionMs <= Self.longestReactionMs) {
            return .failure(.reactionTime(reactionMs))
        }
        if let options = choiceOptions(of: item) {
            guard let choices, value == nil, text == nil, !cannotTell, !notApplicable else {
                return .failure(.choicesExpected)
            }
            if let odd = choices.first(where: { !options.contains($0) }) {
                return .failure(.unknownChoice(odd, options: options))
            }
            return .success(nil)
        }
        if let choices { return .failure(.choicesNotAccepted(choices)) }
        if textPattern(of: item) != nil {
            guard text != nil, value == nil, !cannotTell, !notApplicable else { return .failure(.textExpected) }
            return .success(nil)
        }
        guard text == nil else { return .failure(.textNotAccepted) }
        if notApplicable {
            guard !cannotTell, value == nil else { return .failure(.conflictingAnswer) }
            return acceptsNotApplicable(item) ? .success(nil) : .failure(.notApplicableNotAllowed)
        }
        if cannotTell {
            return acceptsCannotTell(item) ? .success(nil) : .failure(.cannotTellNotAllowed)
        }
        guard let value, value.isFinite else { return .failure(.missingValue) }
        if let continuous = spec.continuousScale, takesScale(item) {
            return continuous.contains(value) ? .success(value) : .failure(.offContinuousScale(value, continuous))
        }
        // Compared as doubles: 1e300 or 2^63 never reach Int(_:), which would trap.
        if !takesScale(item) {
            // A class index: what `acceptedValues(for:)` lists, without making its array per answer.
            guard value >= 0, value < Double(classes.count), value == value.rounded(.towardZero) else {
                return .failure(.notAClass(value, classCount: classes.count))
            }
            return .success(value)
        }
        let accepted = acceptedValues(for: item)
        guard accepted.contains(value) else { return .failure(.offScale(value, accepted: accepted)) }
        return .success(value)
    }
}
