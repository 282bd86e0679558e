package dev.clipmatch.image;

import java.nio.file.Path;
import java.util.List;

/**
 * One batch of preprocessed images, in input order.
 *
 * @param start index in the loader's input list of the first image this batch covers
 * @param pixels [count, 3, S, S] float32, row-major (NCHW)
 * @param count images in {@code pixels}
 * @param paths the {@code count} images, in the order of {@code pixels}
 * @param positions their indices in the loader's input list
 * @param skipped one line per image of this batch's input range that was skipped ("path: problem")
 * @param sha256 the SHA-256 of the bytes each of the {@code count} images was decoded from (one read: the content
 *     that gave these pixels, even if the file changed since it was listed), in the order of {@code pixels}
 * @param read per image of this batch's input range, from {@code start}: the SHA-256 of the bytes read, decoded or
 *     left undecoded by the loader's content filter; null where the image was skipped
 */
public record ImageBatch(int start, float[] pixels, int count, List<Path> paths, int[] positions, List<String> skipped, List<byte[]> sha256,
        byte[][] read) {
    /** Images of the input range this batch covers: decoded, left undecoded, or skipped. */
    public int inputs() {
        return read.length;
    }
}
