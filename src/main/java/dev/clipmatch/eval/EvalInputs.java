package dev.clipmatch.eval;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.nio.file.Path;
import java.util.Arrays;

/** Loads and validates evaluation inputs; every problem is a {@link ClipMatchException} naming the file. */
public final class EvalInputs {
    private EvalInputs() {}

    /** A [rows, dim] float32/float16 matrix with only finite values. */
    public static Embeddings embeddings(Path file) {
        Npy.FloatArray a = Npy.readFloats(file);
        if (a.shape().length != 2) throw new InputFileException(file + ": expected a 2-D [rows, dim] array, found shape " + Arrays.toString(a.shape()));
        if (a.shape()[0] < 1 || a.shape()[1] < 1) throw new InputFileException(file + ": empty array, shape " + Arrays.toString(a.shape()));
        checkFinite(file, a.data(), (int) a.shape()[1], "row");
        int dim = (int) a.shape()[1];
        for (int r = 0; r < a.shape()[0]; r++) {
            boolean zero = true;
            for (int i = 0; i < dim && zero; i++) zero = a.data()[r * dim + i] == 0f;
            if (zero) throw new InputFileException(file + ": row " + r + " is all zeros and cannot be L2-normalised");
        }
        return new Embeddings(a.data(), (int) a.shape()[0], (int) a.shape()[1]);
    }

    /** A [images, captions] score matrix with only finite values. */
    public static Npy.FloatArray similarity(Path file) {
        Npy.FloatArray a = Npy.readFloats(file);
        if (a.shape().length != 2) throw new InputFileException(file + ": expected a 2-D [images, captions] score matrix, found shape " + Arrays.toString(a.shape()));
        if (a.shape()[0] < 1 || a.shape()[1] < 1) throw new InputFileException(file + ": empty score matrix");
        checkFinite(file, a.data(), (int) a.shape()[1], "image");
        return a;
    }

    private static void checkFinite(Path file, float[] data, int rowLength, String rowName) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i]))
                throw new InputFileException(file + ": " + rowName + " " + (i / rowLength) + ", column " + (i % rowLength) + " is " + data[i] + " (NaN/Inf not allowed)");
        }
    }

    /** Caption -> image mapping from a file, validated against the sizes. */
    public static long[] captionImage(Path file, int images, int captions) {
        long[] shape = Npy.header(file).shape();
        if (shape.length != 1)
            throw new ClipMatchException(file + ": expected a 1-D array of one image index per caption, found shape " + Arrays.toString(shape));
        long[] map = Npy.readLongs(file);
        if (map.length != captions)
            throw new InputFileException(file + ": has " + map.length + " entries but there are " + captions + " captions");
        return validated(map, images, file.toString());
    }

    /** The implicit mapping: caption c belongs to image c / (captions / images). */
    public static long[] defaultCaptionImage(int images, int captions) {
        if (captions % images != 0)
            throw new InputFileException(captions + " captions do not divide evenly among " + images + " images; give the caption -> image mapping",
                    ClipMatchException.Remedy.CAPTION_IMAGE_MAPPING);
        int per = captions / images;
        long[] map = new long[captions];
        for (int c = 0; c < captions; c++) map[c] = c / per;
        return map;
    }

    static long[] validated(long[] map, int images, String what) {
        int[] count = new int[images];
        for (int c = 0; c < map.length; c++) {
            if (map[c] < 0 || map[c] >= images)
                throw new InputFileException(what + ": caption " + c + " maps to image " + map[c] + ", outside [0, " + images + ")");
            count[(int) map[c]]++;
        }
        for (int i = 0; i < images; i++) {
            if (count[i] == 0) throw new InputFileException(what + ": image " + i + " has no caption");
        }
        return map;
    }
}
