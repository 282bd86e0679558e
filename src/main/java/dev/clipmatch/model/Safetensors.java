package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reads the safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
 * {dtype, shape, data_offsets}, then the raw little-endian data. Floating-point tensors (F32, F16, BF16, F64)
 * become float32 tensors; integer tensors (e.g. Hugging Face's position_ids) are not weights and are skipped.
 */
public final class Safetensors {
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** True when the file starts like a safetensors file (a plausible header length, then '{'). */
    public static boolean looksLike(byte[] head, long fileSize) {
        if (head.length < 9) return false;
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 1 && n <= MAX_HEADER && n + 8 <= fileSize && head[8] == '{';
    }

    /** All floating-point tensors of the file, as float32, in header order. */
    public static Map<String, Tensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(lenBuf, 0) < 8) throw new CheckpointException(file + ": not a safetensors file (shorter than its 8-byte header length)");
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen + 8 > size)
                throw new CheckpointException(file + ": not a safetensors file or truncated (header length " + headerLen + ", file size " + size + ")");
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            while (headerBuf.hasRemaining()) {
                if (ch.read(headerBuf, 8 + headerBuf.position()) < 0) throw new CheckpointException(file + ": truncated safetensors header");
            }
            Map<String, Object> header;
            try {
                header = JsonFiles.parseObject(new String(headerBuf.array(), StandardCharsets.UTF_8).trim(), file + ": malformed safetensors header");
            } catch (InputFileException e) {
                throw new CheckpointException(e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) continue;
                Tensor t = tensor(file, ch, size, dataStart, e.getKey(), e.getValue());
                if (t != null) out.put(e.getKey(), t);
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Tensor tensor(Path file, FileChannel ch, long fileSize, long dataStart, String name, Object spec) throws IOException {
        if (!(spec instanceof Map<?, ?> m) || !(m.get("dtype") instanceof String dtype) || !(m.get("shape") instanceof List<?> shapeList)
                || !(m.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2)
            throw new CheckpointException(file + ": malformed safetensors entry for '" + name + "'");
        long[] shape = new long[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) throw new CheckpointException(file + ": bad shape for '" + name + "'");
            shape[i] = d;
            numel = Math.multiplyExact(numel, d);
        }
        if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end) || begin < 0 || end < begin)
            throw new CheckpointException(file + ": bad data_offsets for '" + name + "'");
        int elementSize;
        torch.ScalarType type;
        switch (dtype) {
            case "F32" -> { elementSize = 4; type = torch.ScalarType.Float; }
            case "F16" -> { elementSize = 2; type = torch.ScalarType.Half; }
            case "BF16" -> { elementSize = 2; type = torch.ScalarType.BFloat16; }
            case "F64" -> { elementSize = 8; type = torch.ScalarType.Double; }
            case "I64", "I32", "I16", "I8", "U8", "BOOL" -> { return null; }
            default -> throw new UnsupportedFeatureException(file + ": tensor '" + name + "' has unsupported dtype " + dtype);
        }
        if (end - begin != numel * elementSize)
            throw new CheckpointException(file + ": tensor '" + name + "' " + dtype + Arrays.toString(shape) + " needs " + numel * elementSize
                    + " bytes but its data_offsets span " + (end - begin));
        if (dataStart + end > fileSize)
            throw new CheckpointException(file + ": truncated: tensor '" + name + "' ends at byte " + (dataStart + end) + " but the file has " + fileSize);
        if (numel == 0) return torch.zeros(shape);
        MappedByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
        try (BytePointer p = new BytePointer(data)) {
            Tensor raw = torch.from_blob(p, shape, new TensorOptions(type));
            return type == torch.ScalarType.Float ? raw.clone() : raw.to(torch.ScalarType.Float);
        }
    }
}
