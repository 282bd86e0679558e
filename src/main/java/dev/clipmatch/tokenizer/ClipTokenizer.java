package dev.clipmatch.tokenizer;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.UnsupportedFeatureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * CLIP's byte-level BPE tokenizer, id for id the original ({@code clip/simple_tokenizer.py} of openai/CLIP):
 * text cleaning as ftfy + html.unescape + whitespace + lower case, the original split pattern, BPE over the
 * first 48,894 merges, {@code <|startoftext|>} and {@code <|endoftext|>} around the ids. Thread-safe.
 */
public final class ClipTokenizer implements TextTokenizer {
    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    public static final String OPENAI_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";
    private static final String HF_VOCAB_FILE = "vocab.json";
    private static final String HF_MERGES_FILE = "merges.txt";

    private final BytePairEncoder bpe;
    private final int startOfText;
    private final int endOfText;
    private final int vocabSize;

    private ClipTokenizer(Vocabulary vocab) {
        this.bpe = new BytePairEncoder(vocab);
        this.startOfText = vocab.startOfText;
        this.endOfText = vocab.endOfText;
        this.vocabSize = vocab.size();
        TextCleaner.clean("\u00C9&amp;"); // builds the character tables now rather than on the first text
    }

    /**
     * Loads {@code bpe_simple_vocab_16e6.txt.gz} (any {@code .gz} of that form), a {@code vocab.json} (with
     * {@code merges.txt} beside it), a {@code merges.txt} (with {@code vocab.json} beside it), or a directory
     * holding either. Unreadable or malformed files are a {@link ClipMatchException} naming the file.
     */
    public static ClipTokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Path found = findIn(path).orElseThrow(() -> new InputFileException(path + ": no tokenizer files (expected "
                    + OPENAI_VOCAB_FILE + ", or " + HF_VOCAB_FILE + " with " + HF_MERGES_FILE + ")"));
            return load(found);
        }
        if (!Files.exists(path)) throw new InputFileException(path + ": no such vocabulary file");
        String name = path.getFileName().toString();
        if (name.endsWith(".gz")) return new ClipTokenizer(Vocabulary.fromBpeGzip(path));
        if (name.equals("tokenizer.json"))
            throw new UnsupportedFeatureException(path + ": Hugging Face's tokenizer.json is not read; use the " + HF_VOCAB_FILE + " and "
                    + HF_MERGES_FILE + " beside it, or " + OPENAI_VOCAB_FILE);
        if (name.endsWith(".json")) return new ClipTokenizer(Vocabulary.fromHuggingFace(path, path.resolveSibling(HF_MERGES_FILE)));
        if (name.equals(HF_MERGES_FILE)) return new ClipTokenizer(Vocabulary.fromHuggingFace(path.resolveSibling(HF_VOCAB_FILE), path));
        throw new InputFileException(path + ": not a CLIP vocabulary (expected " + OPENAI_VOCAB_FILE + ", " + HF_VOCAB_FILE
                + " or " + HF_MERGES_FILE + ")");
    }

    /**
     * The tokenizer file in a model directory, if any: {@code bpe_simple_vocab_16e6.txt.gz}, or a
     * {@code vocab.json} that has {@code merges.txt} beside it, directly inside or in a {@code tokenizer/} folder.
     */
    public static Optional<Path> findIn(Path modelDir) {
        for (Path dir : new Path[] {modelDir, modelDir.resolve("tokenizer")}) {
            Path openai = dir.resolve(OPENAI_VOCAB_FILE);
            if (Files.isRegularFile(openai)) return Optional.of(openai);
            Path hf = dir.resolve(HF_VOCAB_FILE);
            if (Files.isRegularFile(hf) && Files.isRegularFile(dir.resolve(HF_MERGES_FILE))) return Optional.of(hf);
        }
        return Optional.empty();
    }

    /**
     * The vocabulary to use when none is given: {@code $CLIPMATCH_VOCAB}, else
     * {@code ${CLIPMATCH_CACHE:-$HOME/.cache/clipmatch}/bpe_simple_vocab_16e6.txt.gz} (where fetch-model puts it)
     * if it exists; otherwise an {@link InputFileException} whose remedy is to name the vocabulary.
     */
    public static Path defaultVocabulary() {
        return defaultVocabulary(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultVocabulary(Map<String, String> env, String home) {
        String explicit = env.get("CLIPMATCH_VOCAB");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String cache = env.get("CLIPMATCH_CACHE");
        Path dir = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(home, ".cache", "clipmatch");
        Path file = dir.resolve(OPENAI_VOCAB_FILE);
        if (Files.isRegularFile(file)) return file;
        throw new InputFileException("no CLIP vocabulary found at " + file + " (set CLIPMATCH_VOCAB or name the vocabulary file)", ClipMatchException.Remedy.VOCABULARY_PATH);
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The ids of a text with start and end tokens, no padding and no length limit. */
    public int[] encode(String text) {
        IdBuffer ids = new IdBuffer(text.length() / 3 + 4);
        ids.add(startOfText);
        char[] cleaned = TextCleaner.plainLowerCase(text);
        encodeWords(cleaned != null ? cleaned : TextCleaner.clean(text).toCharArray(), ids);
        ids.add(endOfText);
        return ids.toArray();
    }

    private void encodeWords(char[] cleaned, IdBuffer ids) {
        PreTokenizer.split(cleaned, (start, end) -> {
            // Only the exact special strings are cached as themselves in the original; a case variant matched
            // by the pattern's IGNORECASE (e.g. with U+017F) goes through BPE like any word.
            if (cleaned[start] == '<' && isLiteral(cleaned, start, end, Vocabulary.START_OF_TEXT)) ids.add(startOfText);
            else if (cleaned[start] == '<' && isLiteral(cleaned, start, end, Vocabulary.END_OF_TEXT)) ids.add(endOfText);
            else ids.addAll(bpe.encode(cleaned, start, end));
        });
    }

    private static boolean isLiteral(char[] s, int start, int end, String literal) {
        if (end - start != literal.length()) return false;
        for (int k = 0; k < literal.length(); k++) {
            if (s[start + k] != literal.charAt(k)) return false;
        }
        return true;
    }

    /**
     * The ids of a text, at most {@code contextLength}: a longer text is a {@link ClipMatchException} naming it, unless
     * {@code truncate}, which keeps the first {@code contextLength} ids and makes the last the end token.
     */
    @Override
    public int[] encode(String text, int contextLength, boolean truncate) {
        if (contextLength < 2) throw new ClipMatchException("context length must be at least 2, got " + contextLength);
        int[] ids = encode(text);
        if (ids.length <= contextLength) return ids;
        if (!truncate)
            throw new TextTooLongException("text is " + ids.length + " tokens, longer than the context length " + contextLength
                    + ": \"" + abbreviate(text) + "\"");
        int[] cut = Arrays.copyOf(ids, contextLength);
        cut[contextLength - 1] = endOfText;
        return cut;
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    /** A growable int array (avoids boxing on the hot path). */
    private static final class IdBuffer {
        private int[] data;
        private int size;

        IdBuffer(int capacity) {
            data = new int[capacity];
        }

        void add(int id) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = id;
        }

        void addAll(int[] more) {
            if (size + more.length > data.length) data = Arrays.copyOf(data, Math.max(size * 2, size + more.length));
            System.arraycopy(more, 0, data, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
