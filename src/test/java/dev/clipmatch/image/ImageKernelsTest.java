package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/** The image kernel's side of the one native boundary: status codes of status.h and a last-error message. */
class ImageKernelsTest {
    private static final int ERR_ARGUMENT = 1;
    private static final int[] IDENTITY_BOUNDS = {0, 1}, IDENTITY_COEFFS = {1 << 22};

    @Test
    void refusalsCarryAMessage() {
        assertEquals(ERR_ARGUMENT, ImageKernels.cm_image_use_isa(99));
        assertEquals("use_isa: unknown instruction set, or this CPU lacks it", ImageKernels.cm_image_last_error());
        try (BytePointer pixel = new BytePointer(3); FloatPointer out = new FloatPointer(3)) {
            int rc = ImageKernels.cm_image_resample_u8(pixel, 1, 1, 3, 3, 3, new int[] {0, 1, 2}, 1, IDENTITY_BOUNDS,
                    IDENTITY_COEFFS, 1, 1, new int[] {0, 2}, IDENTITY_COEFFS, 1, new float[768], out);
            assertEquals(ERR_ARGUMENT, rc);
            assertEquals("resample: bad vertical pass (bounds outside the source or bad taps)", ImageKernels.cm_image_last_error());
            assertEquals(ImageKernels.OK, ImageKernels.cm_image_resample_u8(pixel, 1, 1, 3, 3, 3, new int[] {0, 1, 2}, 1,
                    IDENTITY_BOUNDS, IDENTITY_COEFFS, 1, 1, IDENTITY_BOUNDS, IDENTITY_COEFFS, 1, new float[768], out));
        }
    }
}
