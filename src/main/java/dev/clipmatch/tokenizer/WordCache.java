package dev.clipmatch.tokenizer;

/**
 * The BPE cache: word (a range of a char array, so lookups allocate nothing) to ids. Lock-free reads of an
 * open-addressing table of immutable entries; writers synchronise and publish a grown table through a volatile
 * field. A reader racing a writer may miss an entry, which only costs recomputing it.
 */
final class WordCache {
    private static final int INITIAL_CAPACITY = 1 << 12;
    /** Beyond this many words the cache starts over (the original's cache is unbounded). */
    private static final int MAX_WORDS = 1 << 20;

    private static final class Entry {
        final char[] word;
        final int hash;
        final int[] ids;

        Entry(char[] word, int hash, int[] ids) {
            this.word = word;
            this.hash = hash;
            this.ids = ids;
        }
    }

    private volatile Entry[] table = new Entry[INITIAL_CAPACITY];
    private int size; // guarded by this

    /** String.hashCode of the range. */
    static int hash(char[] s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + s[i];
        return h;
    }

    private static int slot(int hash, int mask) {
        return (hash * 0x9E3779B9) >>> 7 & mask;
    }

    int[] get(char[] s, int start, int end, int hash) {
        Entry[] t = table;
        int mask = t.length - 1;
        for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null) return null;
            if (e.hash == hash && sameWord(e.word, s, start, end)) return e.ids;
        }
    }

    private static boolean sameWord(char[] word, char[] s, int start, int end) {
        if (word.length != end - start) return false;
        for (int i = 0; i < word.length; i++) {
            if (word[i] != s[start + i]) return false;
        }
        return true;
    }

    synchronized void put(char[] word, int hash, int[] ids) {
        Entry[] t = table;
        if (2 * (size + 1) > t.length) {
            if (size >= MAX_WORDS) {
                t = new Entry[INITIAL_CAPACITY];
                size = 0;
            } else {
                t = grown(t);
            }
        }
        int mask = t.length - 1;
        int i = slot(hash, mask);
        while (t[i] != null) {
            if (t[i].hash == hash && sameWord(t[i].word, word, 0, word.length)) return;
            i = (i + 1) & mask;
        }
        t[i] = new Entry(word, hash, ids);
        size++;
        table = t;
    }

    private static Entry[] grown(Entry[] old) {
        Entry[] t = new Entry[old.length * 2];
        int mask = t.length - 1;
        for (Entry e : old) {
            if (e == null) continue;
            int i = slot(e.hash, mask);
            while (t[i] != null) i = (i + 1) & mask;
            t[i] = e;
        }
        return t;
    }
}
