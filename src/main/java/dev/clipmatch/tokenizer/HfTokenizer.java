package dev.clipmatch.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.UnsupportedFeatureException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * open_clip's {@code HFTokenizer}: its text cleaning, then a Hugging Face tokenizer ({@code tokenizer.json}, run by the
 * Rust {@code tokenizers} library through DJL) with special tokens, truncation to the context length and padding to
 * it with the pad token of {@code tokenizer_config.json} (on the side its tokenizer class pads: Gemma's on the left),
 * then, with {@code strip_sep_token}, every separator id replaced by 0 (CLIPA). Rows are always full context length.
 *
 * <p>transformers 5 rebuilds the pipeline of some tokenizer classes around the vocabulary instead of running the
 * file as written; the classes accepted here run the file as it is when it was saved by transformers (as hub folders
 * made with save_pretrained are), and the oracle fixtures check the ids against open_clip's.
 */
public final class HfTokenizer implements TextTokenizer {
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";

    /** open_clip's clean functions: whitespace_clean(basic_clean), its lower-cased form, or canonicalize_text(basic_clean). */
    public enum Clean { WHITESPACE, LOWER, CANONICALIZE }

    /** What open_clip's text_cfg.tokenizer_kwargs say (clean, strip_sep_token). */
    public record Settings(Clean clean, boolean stripSepToken) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RIGHT_PADDED = Set.of("T5Tokenizer", "T5TokenizerFast", "BertTokenizer", "BertTokenizerFast",
            "PreTrainedTokenizerFast", "TokenizersBackend");
    private static final Set<String> LEFT_PADDED = Set.of("GemmaTokenizer", "GemmaTokenizerFast");
    // Python's string.punctuation, removed by canonicalize_text
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final Path file;
    private final byte[] json;
    private final Settings settings;
    private final long padId;
    private final boolean padLeft;
    private final Long sepId;
    private final Map<Integer, HuggingFaceTokenizer> byLength = new ConcurrentHashMap<>();

    private HfTokenizer(Path file, byte[] json, Settings settings, long padId, boolean padLeft, Long sepId) {
        this.file = file;
        this.json = json;
        this.settings = settings;
        this.padId = padId;
        this.padLeft = padLeft;
        this.sepId = sepId;
    }

    /** The tokenizer of a model folder: its tokenizer.json and tokenizer_config.json (each refused by name when missing or unusable). */
    public static HfTokenizer load(Path folder, Settings settings) {
        Path file = folder.resolve(TOKENIZER_FILE), configFile = folder.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file))
            throw new InputFileException(file + ": missing; this model's text_cfg.hf_tokenizer_name needs the Hugging Face tokenizer files beside its open_clip_config.json");
        if (!Files.isRegularFile(configFile))
            throw new InputFileException(configFile + ": missing; it names the pad token and tokenizer class that " + TOKENIZER_FILE + " does not");
        byte[] json;
        JsonNode tok, config;
        try {
            json = Files.readAllBytes(file);
            tok = JSON.readTree(json);
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new InputFileException(file.getParent() + ": cannot read the tokenizer files (" + e.getMessage() + ")");
        }
        String cls = config.path("tokenizer_class").asText("");
        if (!RIGHT_PADDED.contains(cls) && !LEFT_PADDED.contains(cls))
            throw new UnsupportedFeatureException(configFile + ": tokenizer_class \"" + cls + "\" is not supported (supported: T5, Gemma, Bert tokenizers and PreTrainedTokenizerFast)");
        String side = config.path("padding_side").asText(LEFT_PADDED.contains(cls) ? "left" : "right");
        if (!side.equals("left") && !side.equals("right")) throw new UnsupportedFeatureException(configFile + ": padding_side \"" + side + "\" is not left or right");
        if (!config.path("truncation_side").asText("right").equals("right"))
            throw new UnsupportedFeatureException(configFile + ": truncation_side " + config.get("truncation_side") + " is not supported (only right)");
        long pad = idOf(tok, tokenName(config, "pad_token", configFile), file);
        Long sep = settings.stripSepToken() ? idOf(tok, tokenName(config, "sep_token", configFile), file) : null;
        return new HfTokenizer(file, json, settings, pad, side.equals("left"), sep);
    }

    private static String tokenName(JsonNode config, String field, Path configFile) {
        JsonNode v = config.get(field);
        if (v != null && v.isObject()) v = v.get("content"); // an AddedToken
        if (v == null || !v.isTextual())
            throw new UnsupportedFeatureException(configFile + ": no " + field + " (open_clip pads to the context length with it)");
        return v.asText();
    }

    /** A token's id: an added (special) token, else the model's vocabulary (WordPiece/BPE map, Unigram list). */
    private static long idOf(JsonNode tok, String token, Path file) {
        for (JsonNode t : tok.path("added_tokens")) {
            if (token.equals(t.path("content").asText(null))) return t.path("id").asLong();
        }
        JsonNode vocab = tok.path("model").path("vocab");
        if (vocab.isObject() && vocab.has(token)) return vocab.get(token).asLong();
        if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                if (token.equals(vocab.get(i).path(0).asText(null))) return i;
            }
        }
        throw new InputFileException(file + ": the token \"" + token + "\" named by " + CONFIG_FILE + " is not in the vocabulary");
    }

    /** The text as open_clip cleans it before the Hugging Face tokenizer sees it. */
    public String clean(String text) {
        String basic = TextCleaner.basicClean(text);
        return switch (settings.clean()) {
            case WHITESPACE -> PythonText.collapseWhitespace(basic);
            case LOWER -> PythonText.lower(PythonText.collapseWhitespace(basic));
            case CANONICALIZE -> PythonText.collapseWhitespace(PythonText.lower(withoutPunctuation(basic.replace('_', ' '))));
        };
    }

    private static String withoutPunctuation(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) sb.append(c);
        }
        return sb.toString();
    }

    /** Always {@code contextLength} ids: special tokens, truncation, padding and separator stripping as open_clip's HFTokenizer. */
    @Override
    public int[] encode(String text, int contextLength, boolean truncate) {
        if (contextLength < 1) throw new ClipMatchException("context length must be at least 1, got " + contextLength);
        Encoding enc = tokenizer(contextLength).encode(clean(text), true, false);
        if (enc.exceedMaxLength() && !truncate)
            throw new TextTooLongException("text is longer than the context length " + contextLength + " tokens: \"" + abbreviate(text) + "\"");
        long[] ids = enc.getIds();
        int[] out = new int[contextLength];
        java.util.Arrays.fill(out, (int) padId);
        int at = padLeft ? contextLength - ids.length : 0;
        for (int i = 0; i < ids.length; i++) out[at + i] = (int) ids[i];
        if (sepId != null) { // open_clip replaces the separator by 0 after padding
            for (int i = 0; i < out.length; i++) if (out[i] == sepId) out[i] = 0;
        }
        return out;
    }

    private HuggingFaceTokenizer tokenizer(int contextLength) {
        return byLength.computeIfAbsent(contextLength, n -> {
            try (InputStream in = new java.io.ByteArrayInputStream(json)) {
                return HuggingFaceTokenizer.newInstance(in, Map.of("addSpecialTokens", "true", "truncation", "true", "maxLength", String.valueOf(n),
                        "padding", "false"));
            } catch (IOException | RuntimeException e) {
                throw new InputFileException(file + ": not a Hugging Face tokenizer the tokenizers library reads (" + e.getMessage() + ")");
            }
        });
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }
}
