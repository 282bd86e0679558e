package dev.clipmatch.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.ImageException;
import dev.clipmatch.io.InputFiles;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * CLIP's image preprocessing, reproducing the reference {@code preprocess(Image.open(p).convert("RGB"))}:
 * decode with OpenCV (no EXIF rotation), reduce to 8-bit RGB the way PIL's {@code convert("RGB")} does
 * (alpha dropped; 16-bit grey clipped to 255, 16-bit colour to its high byte), resize with Pillow's exact
 * integer resampling, centre crop with Python's rounding, and normalise to float32 [3, S, S] (CHW).
 *
 * <p>Only the cropped window is resampled (each output pixel depends only on its own weights, so this is
 * bit-identical to resizing everything and cropping). Thread-safe: instances hold only immutable settings.
 */
public final class ImagePreprocessor {

    /** PIL refuses images above twice its MAX_IMAGE_PIXELS (DecompressionBombError); so do we. */
    static final long MAX_PIXELS = 2L * 89_478_485L;
    /** Files larger than this are not images we can be asked to preprocess. */
    static final long MAX_FILE_BYTES = 1L << 30;
    /** Resized sides above this come only from absurd aspect ratios (Pillow's float box loses precision too). */
    static final long MAX_RESIZED_SIDE = 1L << 24;

    private final PreprocessConfig config;
    private final ResamplePass.Filter filter;
    private final float[] lut = new float[3 * 256];

    public ImagePreprocessor(PreprocessConfig config) {
        this.config = config;
        this.filter = ResamplePass.Filter.of(config.interpolation());
        float[] mean = config.mean(), std = config.std();
        // Float32 steps of torchvision: ToTensor (v / 255) then Normalize ((x - mean) / std).
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++) lut[c * 256 + v] = ((float) v / 255f - mean[c]) / std[c];
    }

    public PreprocessConfig config() {
        return config;
    }

    /** Floats per image: 3 * size * size. */
    public int tensorLength() {
        return 3 * config.size() * config.size();
    }

    /** The image file as a [3, size, size] CHW tensor; a {@link ClipMatchException} naming the file when it cannot be one. */
    public float[] preprocess(Path image) {
        return preprocess(readFile(image), image.toString());
    }

    public float[] preprocess(byte[] encoded, String nameForErrors) {
        float[] out = new float[tensorLength()];
        preprocessInto(encoded, nameForErrors, out, 0);
        return out;
    }

    /** Writes the tensor at {@code dst[offset .. offset + tensorLength())}. */
    @SuppressWarnings("try")  // the scope frees every native object made inside it
    public void preprocessInto(byte[] encoded, String name, float[] dst, int offset) {
        if (offset < 0 || dst.length - offset < tensorLength()) throw new IllegalArgumentException("destination too small");
        if (encoded.length == 0) throw new ImageException(name + ": empty file");
        ImageHeader header = ImageHeader.probe(encoded);
        // Only formats whose header was checked reach OpenCV: it recognises others by content (HDR, PFM, PNM...)
        // and would allocate whatever their header declares.
        if (header == null) throw new ImageException(name + ": not an image in a supported format (" + ImageHeader.SUPPORTED + ")");
        checkHeader(header, name);
        if (header.animated()) encoded = ImageHeader.withoutAnimation(encoded);
        try (PointerScope scope = new PointerScope()) {
            Mat image = decode(encoded, name, header);
            FloatPointer out = new FloatPointer(tensorLength());
            resample(image, name, out);
            out.get(dst, offset, tensorLength());
        }
    }

    /** The file's bytes, read once: regular files only (a FIFO would block), at most {@link #MAX_FILE_BYTES}. */
    static byte[] readFile(Path image) {
        try {
            return InputFiles.readAll(image, MAX_FILE_BYTES);
        } catch (ClipMatchException e) {
            throw new ImageException(e.getMessage(), e);
        }
    }

    private static void checkHeader(ImageHeader h, String name) {
        if (h.width() == 0 || h.height() == 0)
            throw new ImageException(name + ": zero-size image (" + h.width() + "x" + h.height() + " " + h.format() + ")");
        if (h.width() > 0 && h.height() > 0 && h.width() * h.height() > MAX_PIXELS)
            throw new ImageException(name + ": image too large (" + h.width() + "x" + h.height() + " pixels, the limit is " + MAX_PIXELS + ")");
        if (h.damaged() || h.width() < 0 || h.height() < 0) throw new ImageException(name + ": truncated or corrupt " + h.format() + " file");
        if (h.unsupported() != null) throw new ImageException(name + ": unsupported " + h.unsupported() + ", which would not decode as PIL does");
    }

    /** OpenCV's decode without EXIF rotation, reduced to 8 bits per sample; owned by the caller's PointerScope. */
    private static Mat decode(byte[] encoded, String name, ImageHeader header) {
        Mat image;
        try {
            Mat buffer = new Mat(1, encoded.length, CV_8UC1, new BytePointer(encoded));
            image = imdecode(buffer, IMREAD_UNCHANGED);  // UNCHANGED keeps alpha, 16 bits and grey, and never rotates
        } catch (RuntimeException e) {
            throw new ImageException(name + ": cannot decode (" + firstLine(e.getMessage()) + ")", e);
        }
        if (image == null || image.empty() || image.cols() < 1 || image.rows() < 1) {
            throw new ImageException(name + ": corrupt or unsupported " + header.format() + " file");
        }
        if ((long) image.cols() * image.rows() > MAX_PIXELS)
            throw new ImageException(name + ": image too large (" + image.cols() + "x" + image.rows() + " pixels, the limit is " + MAX_PIXELS + ")");
        if (!image.isContinuous()) image = image.clone();
        int channels = image.channels();
        if (channels < 1 || channels > 4) throw new ImageException(name + ": unsupported image with " + channels + " channels");
        if (image.depth() == CV_16U) return to8Bit(image);
        if (image.depth() != CV_8U) throw new ImageException(name + ": unsupported sample type (only 8- and 16-bit integer images)");
        return image;
    }

    /** PIL's 16-bit conversions: grey ("I;16" to "RGB") clips at 255; colour PNGs keep the high byte. */
    private static Mat to8Bit(Mat image) {
        int channels = image.channels();
        int n = image.rows() * image.cols() * channels;
        short[] wide = new short[n];
        new ShortPointer(image.data()).capacity(n).get(wide);
        byte[] narrow = new byte[n];
        for (int i = 0; i < n; i++) {
            int v = wide[i] & 0xFFFF;
            narrow[i] = (byte) (channels == 1 ? Math.min(v, 255) : v >>> 8);
        }
        Mat out = new Mat(image.rows(), image.cols(), CV_8UC(channels));
        out.data().capacity(n).put(narrow);
        return out;
    }

    private void resample(Mat image, String name, FloatPointer out) {
        int width = image.cols(), height = image.rows(), channels = image.channels();
        int size = config.size();
        long[] resized = config.resizedSize(width, height);
        if (resized[0] > MAX_RESIZED_SIDE || resized[1] > MAX_RESIZED_SIDE || resized[0] < size || resized[1] < size)
            throw new ImageException(name + ": aspect ratio too extreme to preprocess (" + width + "x" + height + ")");
        // torchvision's CenterCrop: offsets int(round((resized - size) / 2)), Python's round = half to even.
        long left = (long) Math.rint((resized[0] - size) / 2.0);
        long top = (long) Math.rint((resized[1] - size) / 2.0);
        ResamplePass h = resized[0] != width ? ResamplePass.of(filter, width, resized[0], left, size) : ResamplePass.identity(left, size);
        ResamplePass v = resized[1] != height ? ResamplePass.of(filter, height, resized[1], top, size) : ResamplePass.identity(top, size);
        // Grey (and grey + alpha) resamples one channel and feeds it to R, G and B; OpenCV's colour order is BGR(A).
        int work = channels <= 2 ? 1 : 3;
        int[] source = work == 1 ? new int[] {0, 0, 0} : new int[] {2, 1, 0};
        int rc = ImageKernels.cm_image_resample_u8(image.data(), width, height, (long) width * channels, channels, work, source,
                size, h.bounds(), h.coeffs(), h.taps(), size, v.bounds(), v.coeffs(), v.taps(), lut, out);
        if (rc == ImageKernels.ERR_MEMORY) throw new ImageException(name + ": out of memory while resampling");
        if (rc != ImageKernels.OK)
            throw new IllegalStateException("image kernel rejected its arguments for " + name + ": " + ImageKernels.cm_image_last_error());
    }

    private static String firstLine(String message) {
        if (message == null) return "unknown error";
        String line = message.strip().lines().findFirst().orElse("unknown error");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
