import ExplicableCore
import Foundation
import Hummingbird
import LabelStore
import NIOCore
import Studies

// Admin routes: `GET /admin/status` and `GET /admin/export.csv`, behind a bearer token.
extension StudyServer {
    func authorized(_ request: Request, token: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst(7).utf8), expected = Array(token.utf8)
        var difference = given.count ^ expected.count
        for (i, byte) in expected.enumerated() { difference |= Int(byte ^ (i < given.count ? given[i] : 0)) }
        return difference == 0
    }

    func unauthorized() -> Response {
        var response = Responses.error(
            .unauthorized, "admin routes need 'Authorization: Bearer <EXPLICABLE_ADMIN_TOKEN>'")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    struct StatusBody: Encodable {
        struct Item: Encodable {
            var key: String
            var target: Int
            var collected: Int
        }

        struct QC: Encodable {
            var accepted, rejected, pending: Int
        }

        /// What `study qc` would decide now, over the finished submissions (nothing is stored).
        struct QCPreview: Encodable {
            struct Rejected: Encodable {
                var assignment, reason: String
            }

            var finished, accept, reject: Int
            var rejected: [Rejected]
        }

        /// An adaptive study's allocation: decisions made, class rows still open, the state digest.
        struct Allocation: Encodable {
            var decisions, openRows, rows: Int
            var digest: String
        }

        var study: String
        var assignments: Int
        var allocation: Allocation?
        var participants: ServedCounts
        var ratingsCollected, targetRatings, itemsComplete, items: Int
        var qc: QC
        var qcPreview: QCPreview
        var perItem: [Item]
    }

    func status() async throws -> Response {
        let counts = try store.collectionCounts(studyId: study.id)
        let status = try StudyStatus.of(study, in: store)
        let participants = try await store.servedCounts(studyId: study.id)
        let summary = allocation?.summary()
        let perItem = study.items.filter { !$0.isAttentionCheck }.map {
            StatusBody.Item(key: $0.key, target: $0.targetRatings, collected: counts.ratingsPerItem[$0.id!] ?? 0)
        }
        let finished = try QualityControl(study: study, store: store).evaluate().rows.filter(\.isFinished)
        let rejected = finished.filter { $0.status == .rejected }
        let preview = StatusBody.QCPreview(
            finished: finished.count, accept: finished.count - rejected.count,
            reject: rejected.count,
            rejected: rejected.map { .init(assignment: $0.assignmentID, reason: $0.reason ?? "") })
        return Responses.json(
            .ok,
            StatusBody(
                study: study.spec.name, assignments: plan?.assignments.count ?? summary?.decisions ?? 0,
                allocation: summary.map {
                    .init(decisions: $0.decisions, openRows: $0.openRows, rows: $0.rows, digest: $0.digest)
                },
                participants: participants,
                ratingsCollected: status.ratingsCollected, targetRatings: status.targetRatings,
                itemsComplete: status.itemsComplete, items: status.items,
                qc: .init(
                    accepted: status.submissionsAccepted, rejected: status.submissionsRejected,
                    pending: status.submissionsPending),
                qcPreview: preview, perItem: perItem))
    }

    func export() async throws -> Response {
        var csv = "annotator,assignment,item,value,rt_ms\n"
        for row in try await store.longAnswers(studyId: study.id) {
            let value =
                row.cannotTell
                ? "cannot-tell"
                : row.notApplicable ? "not-applicable" : row.text ?? row.value.map(AnswerAPI.format) ?? ""
            let rt = row.reactionMs.map(AnswerAPI.format) ?? ""
            csv +=
                [row.annotatorHash, row.assignmentID, row.itemKey, value, rt].map(csvField).joined(separator: ",")
                + "\n"
        }
        return Responses.csv(csv, fileName: "\(study.spec.name)-answers.csv")
    }
}
