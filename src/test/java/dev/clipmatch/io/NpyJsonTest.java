package dev.clipmatch.io;

import static dev.clipmatch.io.NpyBytes.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyJsonTest {
    @TempDir
    Path dir;

    @Test
    void readsFloat16Float32AndIntegers() throws Exception {
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001).putShort((short) 0x7BFF); // 1, -2, 2^-24, 65504
        Path f16 = dir.resolve("h.npy");
        Files.write(f16, npy("<f2", "(2, 2)", half.array()));
        Npy.FloatArray a = Npy.readFloats(f16);
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, 65504f}, a.data());
        assertArrayEquals(new long[] {2, 2}, a.shape());
        ByteBuffer ints = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putInt(-1).putInt(7);
        Path i4 = dir.resolve("i.npy");
        Files.write(i4, npy("<i4", "(3,)", ints.array()));
        assertArrayEquals(new long[] {3, -1, 7}, Npy.readLongs(i4));
        assertThrows(ClipMatchException.class, () -> Npy.readFloats(i4));
        Path big = dir.resolve("b.npy");
        Files.write(big, npy(">f4", "(1,)", new byte[4]));
        assertTrue(assertThrows(ClipMatchException.class, () -> Npy.readFloats(big)).getMessage().contains("unsupported .npy dtype"));
    }

    @Test
    void writeThenReadRoundTrips() {
        Path p = dir.resolve("sub/x.npy");
        float[] v = {1.5f, -0f, Float.MIN_VALUE, 3e38f, 7, 8};
        Npy.writeFloats(p, v, 2, 3);
        Npy.FloatArray a = Npy.readFloats(p);
        assertArrayEquals(v, a.data());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(0, (Npy.header(p).dataOffset()) % 64);
        Path q = dir.resolve("l.npy");
        Npy.writeLongs(q, new long[] {Long.MAX_VALUE, -5}, 2);
        assertArrayEquals(new long[] {Long.MAX_VALUE, -5}, Npy.readLongs(q));
    }

    /** One record type per output; written in the house layout (lists of scalars on one line, floats widened to double). */
    record Row(String name, List<Integer> shape, float[] mean, Map<String, Object> nested, List<Map<String, Integer>> items) {}

    @Test
    void jsonWritesTheHouseLayoutAndReadsRecordsBack() {
        Map<String, Object> nested = new java.util.LinkedHashMap<>();
        nested.put("c", "x\u00e9\n\u0001");
        nested.put("n", Double.NaN);
        nested.put("whole", 3.0);
        Row row = new Row("a", List.of(2, 3), new float[] {0.5f, 0.1f}, nested, List.of(Map.of("k", 1)));
        assertEquals("""
                {
                  "name": "a",
                  "shape": [2, 3],
                  "mean": [0.5, 0.10000000149011612],
                  "nested": {
                    "c": "x\u00e9\\n\\u0001",
                    "n": null,
                    "whole": 3.0
                  },
                  "items": [
                    {
                      "k": 1
                    }
                  ]
                }
                """, JsonFiles.pretty(row));
        assertEquals("{\"name\":\"a\",\"shape\":[2,3],\"mean\":[0.5,0.10000000149011612],\"nested\":{\"c\":\"x\u00e9\\n\\u0001\",\"n\":null,"
                + "\"whole\":3.0},\"items\":[{\"k\":1}]}", JsonFiles.compact(row));
        Row back = JsonFiles.parse(JsonFiles.compact(row), "row.json", Row.class);
        assertEquals(row.shape(), back.shape());
        assertArrayEquals(row.mean(), back.mean());
    }

    @Test
    void malformedJsonIsOneLineNamingFileLineAndColumn() {
        InputFileException e = assertThrows(InputFileException.class, () -> JsonFiles.parseTree("{\n  \"a\": [1,]\n}", "x.json"));
        assertTrue(e.getMessage().startsWith("x.json: line 2, column 11: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        record Strict(int size) {}
        InputFileException unknown = assertThrows(InputFileException.class, () -> JsonFiles.parse("{\"size\": 1, \"sise\": 2}", "y.json", Strict.class));
        assertTrue(unknown.getMessage().startsWith("y.json: line 1, column ") && unknown.getMessage().contains("sise"), unknown.getMessage());
        assertThrows(InputFileException.class, () -> JsonFiles.parse("{\"size\": 1.5}", "z.json", Strict.class));
        assertThrows(InputFileException.class, () -> JsonFiles.parse("{\"size\": \"1\"}", "z.json", Strict.class));
    }
}
