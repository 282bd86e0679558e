package dev.clipmatch.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The original {@code bpe()}: a word's UTF-8 bytes as byte symbols (the last one with {@code </w>}), then
 * repeatedly the adjacent pair of lowest merge rank is merged everywhere in the word, left to right, until no
 * pair has a rank. Symbols are vocabulary ids, so the result is the ids. Words are cached (thread-safe).
 */
final class BytePairEncoder {
    private final int[] byteId = new int[256];
    private final int[] byteEndId = new int[256];
    private final PairTable pairs;
    private final WordCache cache = new WordCache();

    BytePairEncoder(Vocabulary vocab) {
        Map<String, Integer> enc = vocab.encoder;
        for (int b = 0; b < 256; b++) {
            String symbol = String.valueOf(ByteSymbols.symbol(b));
            byteId[b] = enc.get(symbol);
            byteEndId[b] = enc.get(symbol + "</w>");
        }
        List<String[]> merges = vocab.merges;
        pairs = new PairTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer left = enc.get(m[0]), right = enc.get(m[1]), merged = enc.get(m[0] + m[1]);
            // A pair whose halves are not symbols can never occur in a word; skipping it changes nothing.
            if (left != null && right != null && merged != null) pairs.put(left, right, rank, merged);
        }
    }

    /** The ids of one pre-token (a word of the split pattern), {@code s[start, end)}. */
    int[] encode(char[] s, int start, int end) {
        int hash = WordCache.hash(s, start, end);
        int[] ids = cache.get(s, start, end, hash);
        if (ids == null) {
            String word = new String(s, start, end - start);
            ids = bpe(word.getBytes(StandardCharsets.UTF_8));
            cache.put(word.toCharArray(), hash, ids);
        }
        return ids;
    }

    private int[] bpe(byte[] bytes) {
        int n = bytes.length;
        int[] word = new int[n];
        for (int i = 0; i < n - 1; i++) word[i] = byteId[bytes[i] & 0xFF];
        word[n - 1] = byteEndId[bytes[n - 1] & 0xFF];
        while (n > 1) {
            int bestRank = Integer.MAX_VALUE, bestAt = -1, merged = 0;
            for (int i = 0; i + 1 < n; i++) {
                long entry = pairs.get(word[i], word[i + 1]);
                if (entry >= 0 && (int) (entry >>> 32) < bestRank) {
                    bestRank = (int) (entry >>> 32);
                    bestAt = i;
                    merged = (int) entry;
                }
            }
            if (bestAt < 0) break;
            int first = word[bestAt], second = word[bestAt + 1];
            int out = bestAt; // the first occurrence: nothing before it changes
            for (int i = bestAt; i < n; ) {
                if (i + 1 < n && word[i] == first && word[i + 1] == second) {
                    word[out++] = merged;
                    i += 2;
                } else {
                    word[out++] = word[i++];
                }
            }
            n = out;
        }
        return Arrays.copyOf(word, n);
    }

    /** Open-addressing map from a symbol pair to (rank << 32 | merged id); a later duplicate pair wins, as in a dict. */
    private static final class PairTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;
        private final int shift;

        PairTable(int count) {
            int capacity = Integer.highestOneBit(Math.max(16, count * 3)) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            mask = capacity - 1;
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
            Arrays.fill(keys, -1L);
        }

        private static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift); // Fibonacci hashing: the top bits
        }

        void put(int left, int right, int rank, int merged) {
            long k = key(left, right);
            int s = slot(k);
            while (keys[s] != -1L && keys[s] != k) s = (s + 1) & mask;
            keys[s] = k;
            values[s] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        }

        /** (rank << 32 | merged id), or -1 when the pair has no rank. */
        long get(int left, int right) {
            long k = key(left, right);
            int s = slot(k);
            for (;;) {
                long found = keys[s];
                if (found == k) return values[s];
                if (found == -1L) return -1L;
                s = (s + 1) & mask;
            }
        }
    }
}
