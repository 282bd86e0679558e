package dev.clipmatch.image;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.clipmatch.ClipMatchException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Small JPEG previews of image files for reports, made in one parallel pass. Orientation is left as stored, as
 * CLIP's preprocessing sees it; JPEGs are decoded at 1/2, 1/4 or 1/8 scale when that still covers the thumbnail,
 * so a large photo costs little more than a small one.
 */
public final class Thumbnails {

    /** A thumbnail: JPEG bytes and the pixel size they decode to. */
    public record Thumbnail(byte[] jpeg, int width, int height) {}

    private static final int QUALITY = 80;

    private Thumbnails() {}

    /** Loads OpenCV's codecs on a background thread (seconds on a busy machine), so that a later {@link #of} starts at once. */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            Loader.load(opencv_imgproc.class);
            Loader.load(opencv_imgcodecs.class);
        }, "clipmatch-thumbnails-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** One thumbnail per file (longest side at most {@code maxSide}), null for a file that cannot be read or decoded. */
    public static Thumbnail[] of(List<Path> files, int maxSide) {
        Thumbnail[] out = new Thumbnail[files.size()];
        IntStream.range(0, files.size()).parallel().forEach(i -> out[i] = of(files.get(i), maxSide));
        return out;
    }

    @SuppressWarnings("try") // the scope frees every native object made inside it
    public static Thumbnail of(Path file, int maxSide) {
        byte[] encoded;
        try {
            encoded = ImagePreprocessor.readFile(file);
        } catch (ClipMatchException e) {
            return null;
        }
        ImageHeader header = ImageHeader.probe(encoded);
        if (header != null && (header.damaged() || header.width() * header.height() > ImagePreprocessor.MAX_PIXELS)) return null;
        try (PointerScope scope = new PointerScope()) {
            Mat image = imdecode(new Mat(1, encoded.length, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(encoded)),
                    reducedRead(header, maxSide) | IMREAD_IGNORE_ORIENTATION);
            if (image == null || image.empty()) return null;
            double scale = Math.min(1.0, (double) maxSide / Math.max(image.cols(), image.rows()));
            int w = Math.max(1, (int) Math.round(image.cols() * scale)), h = Math.max(1, (int) Math.round(image.rows() * scale));
            Mat small = image;
            if (w != image.cols() || h != image.rows()) {
                small = new Mat();
                resize(image, small, new Size(w, h), 0, 0, INTER_AREA);
            }
            BytePointer jpeg = new BytePointer();
            if (!imencode(".jpg", small, jpeg, new IntPointer(IMWRITE_JPEG_QUALITY, QUALITY))) return null;
            byte[] bytes = new byte[(int) jpeg.limit()];
            jpeg.get(bytes);
            return new Thumbnail(bytes, w, h);
        } catch (RuntimeException e) {
            return null; // OpenCV refused the file: the report shows its name instead
        }
    }

    /** The coarsest JPEG decoding scale whose result still covers {@code maxSide}; full scale when the size is unknown. */
    private static int reducedRead(ImageHeader header, int maxSide) {
        if (header == null || !"jpeg".equals(header.format()) || header.width() <= 0 || header.height() <= 0) return IMREAD_COLOR;
        long longest = Math.max(header.width(), header.height());
        if (longest >= 8L * maxSide) return IMREAD_REDUCED_COLOR_8;
        if (longest >= 4L * maxSide) return IMREAD_REDUCED_COLOR_4;
        if (longest >= 2L * maxSide) return IMREAD_REDUCED_COLOR_2;
        return IMREAD_COLOR;
    }
}
