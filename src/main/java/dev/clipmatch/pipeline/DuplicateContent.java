package dev.clipmatch.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Inputs listed under different names whose bytes are identical. They stay separate items (the list says so), but
 * they get identical embeddings and tie in every ranking, so {@code sweep} and {@code embed} say which they are.
 */
final class DuplicateContent {
    /** Groups named in the one-line notice; the rest are counted. */
    private static final int NAMED = 3;

    private DuplicateContent() {}

    /** The names of each set of two or more inputs with equal content keys, in input order; null keys (skipped inputs) ignored. */
    static List<List<String>> groups(byte[][] keys, IntFunction<String> name) {
        Map<ByteBuffer, List<String>> byContent = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) byContent.computeIfAbsent(ByteBuffer.wrap(keys[i]), k -> new ArrayList<>()).add(name.apply(i));
        }
        return byContent.values().stream().filter(g -> g.size() > 1).map(List::copyOf).toList();
    }

    /** "N images ... : a.jpg = copy.jpg, ..." for stderr; null when there are none. */
    static String notice(List<List<String>> groups, String what) {
        if (groups.isEmpty()) return null;
        int copies = groups.stream().mapToInt(g -> g.size() - 1).sum();
        List<String> named = groups.stream().limit(NAMED).map(g -> String.join(" = ", g)).toList();
        return copies + " " + what + " the same content as an earlier one (kept as separate items with identical embeddings; equal scores rank the "
                + "lower index first): " + String.join(", ", named) + (groups.size() > NAMED ? ", ..." : "");
    }
}
