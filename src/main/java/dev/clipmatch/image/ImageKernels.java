package dev.clipmatch.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the image kernel's C ABI ({@code src/main/cpp/include/clipmatch/image.h}); only
 * {@link ImagePreprocessor} calls it, after checking every argument.
 */
@Platform(include = "clipmatch/image.h", link = "clipmatch_image")
public final class ImageKernels {
    static {
        Loader.load();
    }

    /** Status codes of clipmatch/status.h. */
    static final int OK = 0, ERR_MEMORY = 2;
    static final int ISA_BEST = 0, ISA_PORTABLE = 1, ISA_SSE41 = 2, ISA_AVX2 = 3;

    private ImageKernels() {}

    public static native int cm_image_resample_u8(@Cast("const uint8_t*") BytePointer src, long width, long height, long rowStride,
            int pixelStride, int channels, @Cast("const int32_t*") int[] channelSource,
            long outW, @Cast("const int32_t*") int[] hBounds, @Cast("const int32_t*") int[] hCoeffs, long hTaps,
            long outH, @Cast("const int32_t*") int[] vBounds, @Cast("const int32_t*") int[] vCoeffs, long vTaps,
            @Cast("const float*") float[] lut, FloatPointer out);

    public static native int cm_image_use_isa(int isa);

    public static native @Cast("const char*") String cm_image_last_error();
}
