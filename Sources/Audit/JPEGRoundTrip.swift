internal import CJPEG
import Foundation

/// Encodes a small RGB image as JPEG with libjpeg(-turbo) and decodes it again, as
/// `PIL.Image.save(output, 'JPEG', quality=q)` followed by `PIL.Image.open(output)` does.
///
/// The settings are Pillow's defaults (`JpegEncode.c`, `JpegDecode.c`): `jpeg_set_defaults`, so
/// YCbCr with 4:2:0 chroma subsampling (2×2, 1×1, 1×1) at every quality; `jpeg_set_quality(q,
/// force_baseline: TRUE)`; Huffman tables not optimised; no smoothing; the slow integer DCT both
/// ways; fancy (triangle) upsampling on decode. Pillow only changes the subsampling when asked
/// (`subsampling=`), so there is no switch to 4:4:4 at high quality.
enum JPEGRoundTrip {
    /// Compresses `rgb` (`width`×`height`×3 interleaved) at `quality` (1…100) and writes the decoded
    /// pixels to `output` (same size).
    ///
    /// libjpeg reports errors through `error_exit`, which must not return; the only errors possible
    /// here (bad sizes, out of memory) are programmer errors, so it stops the process with the
    /// library's message. Warnings are discarded. The corresponding C functions are
    /// `jpeg_write_scanlines` and `jpeg_read_scanlines`; the compressed buffer that `jpeg_mem_dest`
    /// allocates is released with `free`.
    static func roundTrip(
        _ rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, quality: Int,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(rgb.count == width * height * 3 && output.count == rgb.count, "JPEG round trip: wrong size")
        let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        errors.initialize(to: jpeg_error_mgr())
        defer { errors.deallocate() }
        _ = jpeg_std_error(errors)
        errors.pointee.error_exit = jpegErrorExit
        errors.pointee.output_message = { _ in }

        let compressed = encode(rgb, width: width, height: height, quality: quality, errors: errors)
        defer { free(compressed.baseAddress) }
        decode(UnsafeBufferPointer(compressed), into: output, width: width, height: height, errors: errors)
    }

    /// The JPEG stream, in a buffer from `malloc` that the caller frees.
    private static func encode(
        _ rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, quality: Int,
        errors: UnsafeMutablePointer<jpeg_error_mgr>
    ) -> UnsafeMutableBufferPointer<UInt8> {
        let info = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        info.initialize(to: jpeg_compress_struct())
        // jpeg_mem_dest keeps these two addresses until jpeg_finish_compress, so they must not move.
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
        let size = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        buffer.initialize(to: nil)
        size.initialize(to: 0)
        defer {
            jpeg_destroy_compress(info)
            info.deallocate()
            buffer.deallocate()
            size.deallocate()
        }
        info.pointee.err = errors
        jpeg_CreateCompress(info, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        jpeg_mem_dest(info, buffer, size)
        info.pointee.image_width = JDIMENSION(width)
        info.pointee.image_height = JDIMENSION(height)
        info.pointee.input_components = 3
        info.pointee.in_color_space = JCS_RGB
        jpeg_set_defaults(info)
        jpeg_set_quality(info, Int32(quality), 1)
        jpeg_start_compress(info, 1)
        let base = UnsafeMutablePointer(mutating: rgb.baseAddress!)  // libjpeg only reads input rows
        while info.pointee.next_scanline < info.pointee.image_height {
            var row: JSAMPROW? = base + Int(info.pointee.next_scanline) * width * 3
            _ = jpeg_write_scanlines(info, &row, 1)
        }
        jpeg_finish_compress(info)
        return UnsafeMutableBufferPointer(start: buffer.pointee, count: Int(size.pointee))
    }

    private static func decode(
        _ jpeg: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int,
        errors: UnsafeMutablePointer<jpeg_error_mgr>
    ) {
        let info = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
        info.initialize(to: jpeg_decompress_struct())
        defer {
            jpeg_destroy_decompress(info)
            info.deallocate()
        }
        info.pointee.err = errors
        jpeg_CreateDecompress(info, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
        jpeg_mem_src(info, jpeg.baseAddress, UInt(jpeg.count))
        _ = jpeg_read_header(info, 1)
        info.pointee.out_color_space = JCS_RGB
        _ = jpeg_start_decompress(info)
        precondition(
            Int(info.pointee.output_width) == width && Int(info.pointee.output_height) == height
                && info.pointee.output_components == 3,
            "JPEG round trip: decoded image has another shape"
        )
        while info.pointee.output_scanline < info.pointee.output_height {
            var row: JSAMPROW? = output.baseAddress! + Int(info.pointee.output_scanline) * width * 3
            _ = jpeg_read_scanlines(info, &row, 1)
        }
        _ = jpeg_finish_decompress(info)
    }
}

/// libjpeg's `error_exit`: must not return, so it stops with the library's message.
private func jpegErrorExit(_ info: j_common_ptr?) {
    var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
    if let info, let format = info.pointee.err.pointee.format_message {
        format(info, &message)
    }
    fatalError("libjpeg: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
}
