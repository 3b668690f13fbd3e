public import ExplicableCore
public import Foundation

/// The folder `matrix export --torch` writes for PyTorch users: the matrix in both forms, the
/// class list, and the PyTorch recipe from `templates/pytorch/`.
///
/// The recipe (`train_ddp.py`, run by `torchrun` or plain `python`) trains explicable's models
/// and losses on CIFAR-10/100 from the data folder or on `ImageFolder` trees, with
/// DistributedDataParallel, and writes a run folder that `explicable compare` and `report` read
/// (the `RunFolder` layout, without `checkpoint.ckpt`). `docs/pytorch.md` describes it.
public enum TorchExport {
    /// The files from `templates/pytorch/` copied beside the matrices: the WLF and soft-label
    /// targets and losses, the NumPy data and run-folder helpers, and the training recipe.
    public static let templateFiles = ["explicable_loss.py", "explicable_data.py", "train_ddp.py"]

    /// Writes `similarity.npy` and `distance.npy` (float64; a similarity s becomes max s − s and a
    /// distance d becomes max d − d, as `ClassMatrix/asSimilarity()` defines), `classes.txt` (one label per line,
    /// the matrices' row order), `matrix.json` (labels, values as stored, provenance) and the templates.
    /// - Returns: the files written, in order.
    @discardableResult
    public static func write(_ m: ClassMatrix, to folder: URL, templates: URL) throws(ExplicableError) -> [URL] {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ExplicableError(.io, "cannot create the folder: \(error.localizedDescription)", file: folder.path)
        }
        var written: [URL] = []
        func put(_ data: Data, _ name: String) throws(ExplicableError) {
            let url = folder.appendingPathComponent(name)
            try NPYArray.writeAtomically(data, to: url)
            written.append(url)
        }
        try put(try m.asSimilarity().npy().encoded(), "similarity.npy")
        try put(try m.asDistance().npy().encoded(), "distance.npy")
        try put(Data((m.classes.labels.joined(separator: "\n") + "\n").utf8), "classes.txt")
        try put(m.json() + Data("\n".utf8), "matrix.json")
        for name in templateFiles {
            let source = templates.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: source) else {
                throw ExplicableError(.missingData, "template '\(name)' is missing", file: templates.path)
            }
            try put(data, name)
        }
        return written
    }
}
