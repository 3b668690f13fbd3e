import ExplicableCore
import Foundation
public import LabelStore

extension Study {
    /// The text of an item as the annotator reads it: the question with the class labels filled
    /// in, or an attention check's prompt.
    public func text(of item: ItemRecord) -> String {
        let spec = self.spec
        let labels = classes.labels
        func label(_ i: Int?) -> String { i.flatMap { labels.indices.contains($0) ? labels[$0] : nil } ?? "?" }
        let text: String
        switch item.kind {
        case .pair where spec.design == .classNeighbours:
            text = label(item.classB)  // a candidate on its class's screen (see `screenQuestion`)
        case .attention where item.key.hasPrefix("self:"):  // a self-pair check reads like any pair
            text = spec.question.replacingOccurrences(of: "{{a}}", with: label(item.classA))
                .replacingOccurrences(of: "{{b}}", with: label(item.classB))
        case .attention where item.key.hasPrefix("decoy:"):
            text = label(item.classB)  // a decoy looks like any other candidate
        case .pair:
            text = spec.question.replacingOccurrences(of: "{{a}}", with: label(item.classA))
                .replacingOccurrences(of: "{{b}}", with: label(item.classB))
        case .image:
            text = spec.question
        case .review:
            let predictions =
                (item.predictions.flatMap { try? JSONDecoder().decode([Int].self, from: Data($0.utf8)) } ?? [])
                .map { label($0) }.joined(separator: ", ")
            text = spec.question.replacingOccurrences(of: "{{truth}}", with: label(item.trueClass))
                .replacingOccurrences(of: "{{prediction}}", with: predictions)
        case .attention:
            text = spec.attentionChecks.first { "attn:\($0.key)" == item.key }?.prompt ?? spec.question
        }
        return text
    }

    /// The question of a `class-neighbours` screen: the spec's question with `{{a}}` the class shown.
    public func screenQuestion(shown: Int) -> String {
        spec.question.replacingOccurrences(of: "{{a}}", with: classes.labels[shown])
    }

    /// The pattern of a free-text attention check (spec `attentionChecks[].pattern`), or `nil` for
    /// every other item.
    public func textPattern(of item: ItemRecord) -> String? {
        guard item.kind == .attention, item.key.hasPrefix("attn:") else { return nil }
        let key = item.key.dropFirst(5)
        return spec.attentionChecks.first { $0.key == key }?.pattern
    }

    /// The options of a multi-select attention check (spec `attentionChecks[].options`), or `nil`
    /// for every other item.
    public func choiceOptions(of item: ItemRecord) -> [String]? {
        guard item.kind == .attention, item.key.hasPrefix("attn:") else { return nil }
        let key = item.key.dropFirst(5)
        return spec.attentionChecks.first { $0.key == key }?.options
    }

    /// How many answers one submission may give to `item`: the spec's repeats' showings for
    /// regular items, else 1.
    public func maxShowings(of item: ItemRecord) -> Int { item.isAttentionCheck ? 1 : spec.maxShowings }

    /// The answers an item accepts: class indices for image items (and attention checks of
    /// instance-label studies), otherwise the scale's values.
    public func acceptedValues(for item: ItemRecord) -> [Double] {
        if item.kind == .image || (item.kind == .attention && spec.design == .instanceLabel) {
            return classes.labels.indices.map(Double.init)
        }
        return spec.effectiveScale.map { Double($0.value) }
    }

    /// Whether `item` is answered on the rating scale (else with a class index).
    public func takesScale(_ item: ItemRecord) -> Bool {
        !(item.kind == .image || (item.kind == .attention && spec.design == .instanceLabel))
    }

    /// Whether "not applicable" is an accepted answer to `item`.
    public func acceptsNotApplicable(_ item: ItemRecord) -> Bool {
        (spec.allowNotApplicable ?? false) && item.kind != .attention
    }

    /// Whether "cannot tell" is an accepted answer to `item`.
    public func acceptsCannotTell(_ item: ItemRecord) -> Bool {
        (spec.allowCannotTell ?? false) && item.kind != .attention
    }
}
