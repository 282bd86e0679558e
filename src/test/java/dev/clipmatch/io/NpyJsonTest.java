package dev.clipmatch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyJsonTest {
    @TempDir
    Path dir;

    /** A .npy file as NumPy writes it (header text, padding to 64 bytes), built by hand. */
    static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

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

    @Test
    void jsonParsesAndWrites() {
        Map<String, Object> m = Json.parseObject("{\"a\": [1, 2.5, -3e2, true, null], \"b\": {\"c\": \"x\\u00e9\\n\"}}");
        assertEquals(List.of(1L, 2.5, -300.0, true), m.get("a") instanceof List<?> l ? l.subList(0, 4) : null);
        assertEquals("x\u00e9\n", ((Map<?, ?>) m.get("b")).get("c"));
        assertEquals(m, Json.parseObject(Json.write(m)));
        assertEquals(m, Json.parseObject(Json.pretty(m)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\n  \"a\": [1,]\n}"));
        assertTrue(e.getMessage().startsWith("line 2, column 11"), e.getMessage());
    }
}
