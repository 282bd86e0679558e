package dev.clipmatch.tokenizer;

import java.util.BitSet;

/**
 * ftfy's {@code is_bad(text)}: whether its BADNESS_RE finds a character sequence typical of mojibake. The
 * pattern is an alternation of short sequences of one-character classes, so instead of java.util.regex (whose
 * unions of hundreds of ranges are slow to test) each class is a bitmap, and the search tries every branch at
 * every position; only existence matters, so branch order does not.
 */
final class FtfyBadness {
    private static final int BMP = 0x10000;

    /** One character class: a bitmap over the BMP, the range list beyond. */
    private record CharClass(BitSet bmp, CodePointSet all) {
        boolean contains(int cp) {
            return cp < BMP ? bmp.get(cp) : all.contains(cp);
        }
    }

    /** One branch: its classes in order, which may be skipped (x?), and whether it is anchored at the start. */
    private record Branch(CharClass[] items, boolean[] optional, boolean anchored) {}

    private static final Branch[] BRANCHES;
    /** Below this, a table says which branches a character can start (one bit per branch). */
    private static final int START_TABLE_SIZE = 0x3000;
    private static final long[] START_MASK = new long[START_TABLE_SIZE];
    /** Characters that can start a match, to skip most positions at once. */
    private static final CharClass FIRST;

    static {
        String[] classTexts = PythonTables.FTFY_BADNESS_CLASSES.split(";");
        CharClass[] classes = new CharClass[classTexts.length];
        for (int i = 0; i < classes.length; i++) {
            CodePointSet set = CodePointSet.parse(classTexts[i]);
            classes[i] = new CharClass(set.toBitSet(BMP), set);
        }
        String[] branchTexts = PythonTables.FTFY_BADNESS_BRANCHES.split(";");
        if (branchTexts.length > Long.SIZE) throw new IllegalStateException("more badness branches than mask bits");
        BRANCHES = new Branch[branchTexts.length];
        BitSet first = new BitSet(BMP);
        StringBuilder firstRanges = new StringBuilder();
        for (int b = 0; b < branchTexts.length; b++) {
            String[] tokens = branchTexts[b].split(" ");
            boolean anchored = tokens[0].equals("^");
            int from = anchored ? 1 : 0;
            CharClass[] items = new CharClass[tokens.length - from];
            boolean[] optional = new boolean[items.length];
            for (int k = 0; k < items.length; k++) {
                String t = tokens[from + k];
                optional[k] = t.endsWith("?");
                items[k] = classes[Integer.parseInt(optional[k] ? t.substring(0, t.length() - 1) : t)];
            }
            BRANCHES[b] = new Branch(items, optional, anchored);
            // A leading optional item means the next one may start the match too.
            for (int k = 0; k < items.length; k++) {
                first.or(items[k].bmp());
                BitSet starts = items[k].bmp();
                for (int c = starts.nextSetBit(0); c >= 0 && c < START_TABLE_SIZE; c = starts.nextSetBit(c + 1))
                    START_MASK[c] |= 1L << b;
                firstRanges.append(classTexts[Integer.parseInt(tokens[from + k].replace("?", ""))]).append(' ');
                if (!optional[k]) break;
            }
        }
        FIRST = new CharClass(first, CodePointSet.parse(firstRanges.toString().strip()));
    }

    private FtfyBadness() {}

    static boolean isBad(String text) {
        int n = text.length();
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            if (cp < START_TABLE_SIZE) {
                for (long mask = START_MASK[cp]; mask != 0; mask &= mask - 1) {
                    Branch branch = BRANCHES[Long.numberOfTrailingZeros(mask)];
                    if ((!branch.anchored() || i == 0) && matchesAt(branch, 0, text, i)) return true;
                }
            } else if (FIRST.contains(cp)) {
                for (Branch branch : BRANCHES) {
                    if ((!branch.anchored() || i == 0) && matchesAt(branch, 0, text, i)) return true;
                }
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    private static boolean matchesAt(Branch branch, int item, String text, int pos) {
        if (item == branch.items().length) return true;
        if (pos < text.length()) {
            int cp = text.codePointAt(pos);
            if (branch.items()[item].contains(cp) && matchesAt(branch, item + 1, text, pos + Character.charCount(cp)))
                return true;
        }
        return branch.optional()[item] && matchesAt(branch, item + 1, text, pos);
    }
}
