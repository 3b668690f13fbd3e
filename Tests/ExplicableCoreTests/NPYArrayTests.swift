import ExplicableCore
import Foundation
import Testing
import TestSupport

func fixture(_ name: String) -> URL { fixtureFile(name, in: .module) }

struct NPYArrayTests {
    /// Files written by `numpy.save` (NumPy 2.4) read back with the right shape and values, and
    /// re-encoding them gives numpy's bytes exactly, so `numpy.load` reads what we write.
    @Test(arguments: [
        ("f4-2x3.npy", [2, 3], NPYArray.Storage.float32([1.5, -2, 3, 4, 5.25, -6e-3])),
        ("f8-3x3.npy", [3, 3], .float64([1, 0.5, 0.25, 0.5, 1, .infinity, -0.0, 1e-300, 3.141592653589793])),
        ("i8-4.npy", [4], .int64([1, -2, 3, 1 << 40])),
        ("u1-2x2.npy", [2, 2], .uint8([0, 255, 7, 9])),
        ("f8-scalar.npy", [], .float64([2.5])),
    ])
    func readsNumpyFilesAndWritesTheSameBytes(name: String, shape: [Int], storage: NPYArray.Storage) throws {
        let array = try NPYArray.read(fixture(name))
        #expect(array.shape == shape)
        #expect(array.storage == storage)
        #expect(array.encoded() == (try Data(contentsOf: fixture(name))))
    }

    @Test(arguments: ["f8-v2.npy", "f8-v3.npy"])
    func readsFormatVersions2And3(name: String) throws {
        let array = try NPYArray.read(fixture(name))
        #expect(array.shape.reduce(1, *) == 6)
        #expect(array.doubles == [0, 1, 2, 3, 4, 5])
    }

    @Test func roundTripsThroughAFile() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("m.npy")
        let array = NPYArray(shape: [2, 2, 2], storage: .float32([1, 2, 3, 4, 5, 6, 7, .nan]))
        try array.write(to: url)
        let back = try NPYArray.read(url)
        #expect(back.shape == [2, 2, 2])
        guard case .float32(let values) = back.storage else {
            Issue.record("wrong dtype")
            return
        }
        #expect(Array(values.prefix(7)) == [1, 2, 3, 4, 5, 6, 7] && values[7].isNaN)
    }

    @Test func headerIsPaddedTo64Bytes() {
        let data = NPYArray(shape: [1000, 1000], storage: .uint8(Array(repeating: 1, count: 1_000_000))).encoded()
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(data[10 + headerLength - 1] == 0x0A)
    }

    @Test(arguments: [
        ("f8-fortran.npy", "only C order"),
        ("f8-bigendian.npy", "'descr' is '>f8'"),
    ])
    func rejectsUnsupportedLayouts(name: String, message: String) throws {
        #expect {
            _ = try NPYArray.read(fixture(name))
        } throws: { error in
            let e = error as? ExplicableError
            return e?.kind == .badInput && e!.description.contains(message)
                && e!.description.hasPrefix(fixture(name).path)
        }
    }

    /// Malformed bytes are rejected with a message naming what is wrong.
    @Test(arguments: [
        (Data("hello".utf8), "magic"),
        (Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 4, 0, 0, 0]), "version 4.0"),
        (Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0x00]) + Data("{".utf8), "past the end"),
        (header("{'descr': '<f8', 'fortran_order': False, }"), "'shape' is missing"),
        (header("{'descr': '<f8', 'shape': (1,), }"), "'fortran_order' is missing"),
        (header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"), "supported: <f4"),
        (header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }"), "bad dimension 'x'"),
        (
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }") + Data(count: 8),
            "needs 16 data bytes, found 8"
        ),
        (header("['descr']"), "not a dictionary"),
        (header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"), "too large"),
        // The element count fits an Int, its byte count does not (2^60 × 8): refused, not a trap.
        (header("{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }"), "too large"),
        (header("{'descr': '<i8', 'fortran_order': False, 'shape': (1152921504606846976, 1), }"), "too large"),
        (header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), "bad dimension"),
        (header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "bad dimension"),
    ])
    func rejectsMalformedHeaders(data: Data, message: String) {
        #expect {
            _ = try NPYArray.decode(data, file: "bad.npy")
        } throws: { error in
            guard let e = error as? ExplicableError else { return false }
            return e.kind == .badInput && e.description.hasPrefix("bad.npy: not a valid .npy file")
                && e.message.contains(message)
        }
    }

    /// Any bytes give an array or an error, never a trap: every single-byte change to a valid
    /// file's header and a sweep of truncations.
    @Test func arbitraryBytesNeverTrap() throws {
        let valid = NPYArray(shape: [2, 3], storage: .float64([1, 2, 3, 4, 5, 6])).encoded()
        for position in 0..<128 {
            for value: UInt8 in [0, 0x20, 0x28, 0x29, 0x2C, 0x31, 0x39, 0x7F, 0xFF] {
                var bytes = valid
                bytes[position] = value
                _ = try? NPYArray.decode(bytes, file: "fuzz.npy")
            }
        }
        for length in 0..<valid.count { _ = try? NPYArray.decode(valid.prefix(length), file: "fuzz.npy") }
    }
}

/// A version-1.0 header around `dictionary`, with no data.
func header(_ dictionary: String) -> Data {
    let text = dictionary + "\n"
    var data = Data([
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8),
    ])
    data.append(Data(text.utf8))
    return data
}
