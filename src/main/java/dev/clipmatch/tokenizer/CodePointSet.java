package dev.clipmatch.tokenizer;

import java.util.Arrays;
import java.util.BitSet;

/** An immutable set of code points stored as sorted half-open ranges, parsed from {@link PythonTables} text. */
final class CodePointSet {
    private final int[] starts;
    private final int[] ends;

    private CodePointSet(int[] starts, int[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /** Parses {@code "start-end start-end ..."} (hex, end exclusive). */
    static CodePointSet parse(String ranges) {
        String[] parts = ranges.isEmpty() ? new String[0] : ranges.split(" ");
        int[] starts = new int[parts.length];
        int[] ends = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int dash = parts[i].indexOf('-');
            starts[i] = Integer.parseInt(parts[i].substring(0, dash), 16);
            ends[i] = Integer.parseInt(parts[i].substring(dash + 1), 16);
        }
        return new CodePointSet(starts, ends);
    }

    boolean contains(int cp) {
        int i = Arrays.binarySearch(starts, cp);
        if (i >= 0) return true;
        i = -i - 2; // the range starting before cp
        return i >= 0 && cp < ends[i];
    }

    /** The members below {@code limit} as a bitmap, for classes tested on every character. */
    BitSet toBitSet(int limit) {
        BitSet bits = new BitSet(limit);
        for (int i = 0; i < starts.length && starts[i] < limit; i++) bits.set(starts[i], Math.min(ends[i], limit));
        return bits;
    }

    /** Sets {@code table[cp] = value} for every member below {@code table.length}. */
    void fill(byte[] table, byte value) {
        for (int i = 0; i < starts.length && starts[i] < table.length; i++)
            Arrays.fill(table, starts[i], Math.min(ends[i], table.length), value);
    }

    /** Decodes {@code "hex.hex..."} code points into a string. */
    static String decodeHex(String codePoints) {
        StringBuilder sb = new StringBuilder();
        for (String h : codePoints.split("\\.")) sb.appendCodePoint(Integer.parseInt(h, 16));
        return sb.toString();
    }
}
