import ExplicableCore
import Foundation
import LabelStore
import Studies
import TestSupport
import Testing

func fixture(_ name: String) -> URL { fixtureFile(name, in: .module) }

let cifar10 = try! ClassSet.readTSV(builtInClassSetURL("cifar10"))

/// A spec JSON object from the Likert fixture with `changes` applied (nil removes a key).
func likertSpec(_ changes: [String: Any?] = [:]) throws -> Data {
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("likert.json"))) as! [String: Any]
    for (key, value) in changes {
        if let value { object[key] = value } else { object.removeValue(forKey: key) }
    }
    return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
}

/// A fresh in-memory store holding the Likert study with `k` ratings per item and `perAssignment` pairs per assignment.
func likertStudy(k: Int = 3, perAssignment: Int = 15, changes: [String: Any?] = [:]) throws -> (LabelStore, Study) {
    var all = changes
    all["ratingsPerItem"] = k
    all["itemsPerAssignment"] = perAssignment
    let data = try likertSpec(all)
    let spec = try StudySpec.decode(data, file: "likert.json")
    let store = try LabelStore()
    let study = try Study.create(
        spec: spec, specJSON: String(decoding: data, as: UTF8.self), classes: cifar10, in: store,
        now: Date(timeIntervalSince1970: 1_780_000_000))
    return (store, study)
}
