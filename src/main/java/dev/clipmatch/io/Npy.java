package dev.clipmatch.io;

import dev.clipmatch.InputFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0-3.0, C order, little-endian): the exchange format with Python tools.
 * Reading validates the header and size and names the file in every error; writing is atomic.
 */
public final class Npy {

    /** Element types clipmatch reads; floats widen to float32, integers to int64. */
    public enum DType {
        F4("<f4", 4), F2("<f2", 2), F8("<f8", 8), I4("<i4", 4), I8("<i8", 8), U1("|u1", 1), I1("|i1", 1);

        final String descr;
        final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        boolean isFloat() {
            return this == F4 || this == F2 || this == F8;
        }

        static DType parse(String descr, Path file) {
            String d = descr.replace('=', '<');
            if (d.equals("<u1")) d = "|u1";
            if (d.equals("<i1")) d = "|i1";
            for (DType t : values()) if (t.descr.equals(d)) return t;
            throw new InputFileException(file + ": unsupported .npy dtype '" + descr + "' (expected float32/float16/float64/int32/int64/int8/uint8, little-endian)");
        }
    }

    /** A parsed header: element type, shape, and where the data starts. */
    public record Header(DType dtype, long[] shape, long dataOffset) {
        public long elements() {
            long n = 1;
            for (long s : shape) n = Math.multiplyExact(n, s);
            return n;
        }
    }

    /** A float32 array with its shape, row-major. */
    public record FloatArray(float[] data, long[] shape) {
        public int rows() {
            return (int) shape[0];
        }

        public int cols() {
            return shape.length < 2 ? 1 : (int) (data.length / Math.max(1, shape[0]));
        }
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static Header header(Path file) {
        InputFiles.requireRegular(file);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(10);
            if (head.length < 10 || !Arrays.equals(Arrays.copyOf(head, 6), MAGIC))
                throw new InputFileException(file + ": not a .npy file (bad magic)");
            int major = head[6] & 0xff;
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = (head[8] & 0xff) | ((head[9] & 0xff) << 8);
                prefix = 10;
            } else if (major == 2 || major == 3) {
                byte[] more = in.readNBytes(2);
                if (more.length < 2) throw new InputFileException(file + ": truncated .npy header");
                headerLen = (head[8] & 0xffL) | ((head[9] & 0xffL) << 8) | ((more[0] & 0xffL) << 16) | ((more[1] & 0xffL) << 24);
                prefix = 12;
            } else {
                throw new InputFileException(file + ": unsupported .npy version " + major);
            }
            byte[] text = in.readNBytes((int) Math.min(headerLen, 1 << 20));
            if (text.length < headerLen) throw new InputFileException(file + ": truncated .npy header");
            String dict = new String(text, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(dict), f = FORTRAN.matcher(dict), s = SHAPE.matcher(dict);
            if (!d.find() || !f.find() || !s.find()) throw new InputFileException(file + ": malformed .npy header: " + dict.trim());
            if (f.group(1).equals("True")) throw new InputFileException(file + ": Fortran-order .npy arrays are not supported; save with C order");
            DType dtype = DType.parse(d.group(1), file);
            List<Long> dims = new ArrayList<>();
            for (String part : s.group(1).split(",")) {
                if (part.isBlank()) continue;
                try {
                    long v = Long.parseLong(part.trim().replace("L", ""));
                    if (v < 0) throw new NumberFormatException();
                    dims.add(v);
                } catch (NumberFormatException e) {
                    throw new InputFileException(file + ": malformed .npy shape (" + s.group(1) + ")");
                }
            }
            Header h = new Header(dtype, dims.stream().mapToLong(Long::longValue).toArray(), prefix + headerLen);
            long expected;
            try {
                expected = Math.addExact(h.dataOffset(), Math.multiplyExact(h.elements(), dtype.size));
            } catch (ArithmeticException e) {
                throw new InputFileException(file + ": .npy shape " + Arrays.toString(h.shape()) + " is larger than any file can hold");
            }
            long actual = Files.size(file);
            if (actual < expected)
                throw new InputFileException(file + ": truncated .npy data (" + actual + " bytes, shape " + Arrays.toString(h.shape()) + " needs " + expected + ")");
            return h;
        } catch (NoSuchFileException e) {
            throw new InputFileException(file + ": no such file");
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a floating-point array as float32; rejects integer files. */
    public static FloatArray readFloats(Path file) {
        Header h = header(file);
        if (!h.dtype().isFloat()) throw new InputFileException(file + ": expected a floating-point array, found " + h.dtype().descr);
        long n = h.elements();
        if (n > Integer.MAX_VALUE - 8) throw new InputFileException(file + ": " + n + " elements is more than one array can hold");
        float[] out = new float[(int) n];
        readData(file, h, (buf, offset, count) -> {
            switch (h.dtype()) {
                case F4 -> buf.asFloatBuffer().get(out, offset, count);
                case F2 -> {
                    for (int i = 0; i < count; i++) out[offset + i] = halfToFloat(buf.getShort(2 * i));
                }
                default -> {
                    for (int i = 0; i < count; i++) out[offset + i] = (float) buf.getDouble(8 * i);
                }
            }
        });
        return new FloatArray(out, h.shape());
    }

    /** IEEE 754 binary16 to float32 (exact; Float.float16ToFloat arrives only in Java 20). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Reads an integer array (int32/int64/int8/uint8) as int64. */
    public static long[] readLongs(Path file) {
        Header h = header(file);
        if (h.dtype().isFloat()) throw new InputFileException(file + ": expected an integer array, found " + h.dtype().descr);
        long n = h.elements();
        if (n > Integer.MAX_VALUE - 8) throw new InputFileException(file + ": too many elements (" + n + ")");
        long[] out = new long[(int) n];
        readData(file, h, (buf, offset, count) -> {
            for (int i = 0; i < count; i++) {
                out[offset + i] = switch (h.dtype()) {
                    case I4 -> buf.getInt(4 * i);
                    case I8 -> buf.getLong(8 * i);
                    case I1 -> buf.get(i);
                    default -> buf.get(i) & 0xff;
                };
            }
        });
        return out;
    }

    private interface Chunk {
        void accept(ByteBuffer buf, int offset, int count);
    }

    private static void readData(Path file, Header h, Chunk chunk) {
        int size = h.dtype().size;
        long n = h.elements();
        int perChunk = (1 << 24) / size;
        ByteBuffer buf = ByteBuffer.allocate(perChunk * size).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.position(h.dataOffset());
            for (long done = 0; done < n; ) {
                int count = (int) Math.min(perChunk, n - done);
                buf.clear().limit(count * size);
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) throw new InputFileException(file + ": truncated .npy data");
                }
                buf.flip();
                chunk.accept(buf, (int) done, count);
                done += count;
            }
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Writes float32 data of the given shape, atomically. */
    public static void writeFloats(Path file, float[] data, long... shape) {
        checkShape(data.length, shape);
        AtomicFiles.write(file, out -> {
            writeHeader(out, DType.F4, shape);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < data.length; ) {
                buf.clear();
                int count = Math.min(data.length - i, buf.capacity() / 4);
                buf.asFloatBuffer().put(data, i, count);
                out.write(buf.array(), 0, count * 4);
                i += count;
            }
        });
    }

    /** Writes int64 data of the given shape, atomically. */
    public static void writeLongs(Path file, long[] data, long... shape) {
        checkShape(data.length, shape);
        AtomicFiles.write(file, out -> {
            writeHeader(out, DType.I8, shape);
            ByteBuffer buf = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asLongBuffer().put(data);
            out.write(buf.array());
        });
    }

    private static void checkShape(long length, long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n != length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + length + " elements");
    }

    private static void writeHeader(OutputStream out, DType dtype, long[] shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long s : shape) dims.append(s).append(", ");
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
        StringBuilder dict = new StringBuilder("{'descr': '" + dtype.descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }");
        while ((10 + dict.length() + 1) % 64 != 0) dict.append(' ');
        dict.append('\n');
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(MAGIC);
        head.write(1);
        head.write(0);
        head.write(dict.length() & 0xff);
        head.write((dict.length() >> 8) & 0xff);
        head.write(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(head.toByteArray());
    }
}
