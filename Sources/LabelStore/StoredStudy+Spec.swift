public import ExplicableCore
import Foundation

extension StoredStudy {
    /// The study's spec, as stored when the study was created.
    ///
    /// - Throws: `ExplicableError` (`badInput`) naming the study when the stored JSON is not a valid spec.
    public func spec() throws(ExplicableError) -> StudySpec {
        try StudySpec.decode(Data(record.specJSON.utf8), file: "study '\(record.name)' in the store")
    }
}
