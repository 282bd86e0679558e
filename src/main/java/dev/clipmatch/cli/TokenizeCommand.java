package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.model.ModelCache;
import dev.clipmatch.model.OpenClipConfig;
import dev.clipmatch.model.PretrainedTag;
import dev.clipmatch.model.PretrainedTags;
import dev.clipmatch.tokenizer.ClipTokenizer;
import dev.clipmatch.tokenizer.HfTokenizer;
import dev.clipmatch.tokenizer.TextTokenizer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipmatch tokenize}: CLIP token ids of texts, one JSON array per text (start and end tokens, no padding). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Token ids of texts with CLIP's BPE tokenizer, identical to the original (openai/CLIP).",
            "Prints one JSON array per text: <|startoftext|> (49406), the ids, <|endoftext|> (49407); no padding.",
            "Without TEXT, reads one text per line from standard input (UTF-8).",
            "With --vocab naming an open_clip model folder whose config names a Hugging Face tokenizer (SigLIP, CLIPA), its",
            "tokenizer.json as open_clip's HFTokenizer: rows padded to the context length (default: the model's);",
            "or naming a downloaded open_clip ARCH/TAG (see fetch-model), that tag's tokenizer from the cache."})
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--vocab", paramLabel = "PATH",
            description = {"bpe_simple_vocab_16e6.txt.gz, a Hugging Face vocab.json (merges.txt beside it), or a directory",
                "holding either, or an open_clip model folder with a Hugging Face tokenizer, or a downloaded open_clip ARCH/TAG.",
                "Default: $CLIPMATCH_VOCAB, else ${CLIPMATCH_CACHE:-~/.cache/clipmatch}/bpe_simple_vocab_16e6.txt.gz."})
    Path vocab;

    @Option(names = "--context-length", paramLabel = "N", defaultValue = "77",
            description = "Most ids per text, start and end tokens included (default: ${DEFAULT-VALUE}).")
    int contextLength;

    @Option(names = "--truncate",
            description = "Cut longer texts to N ids, the last being <|endoftext|> (as clip.tokenize(truncate=True)); otherwise they are an error.")
    boolean truncate;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to tokenize (default: lines of standard input).")
    List<String> texts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (contextLength < 2) throw new UserError("--context-length must be at least 2, got " + contextLength);
        vocab = tagVocabulary();
        TextTokenizer tokenizer = hfTokenizer();
        if (tokenizer == null) tokenizer = ClipTokenizer.load(vocab != null ? vocab : ClipTokenizer.defaultVocabulary());
        PrintWriter out = spec.commandLine().getOut();
        if (texts != null && !texts.isEmpty()) {
            for (int i = 0; i < texts.size(); i++) out.println(idsLine(tokenizer, texts.get(i), "TEXT " + (i + 1)));
        } else {
            readStdin(tokenizer, out);
        }
        out.flush();
        return 0;
    }

    /**
     * --vocab naming a downloaded open_clip ARCH/TAG (and no existing path): the tag's cache folder for a Hugging Face
     * tokenizer (its files checked against those recorded at download), else OpenAI's vocabulary as a load finds it.
     */
    private Path tagVocabulary() {
        if (vocab == null || Files.exists(vocab)) return vocab;
        Optional<PretrainedTag> tag = PretrainedTags.find(vocab.toString());
        if (tag.isEmpty()) return vocab;
        Path cache = cacheDirOption.resolved();
        Path checkpoint = ModelCache.resolve(tag.get().name(), cache).checkpoint();
        return PretrainedTags.tokenizerRepo(tag.get()).isPresent() ? checkpoint : ClipMatch.findVocab(checkpoint, cache);
    }

    /** The Hugging Face tokenizer of an open_clip model folder whose config names one (its context length unless given), else null. */
    private TextTokenizer hfTokenizer() {
        if (vocab == null || !Files.isRegularFile(vocab.resolve("open_clip_config.json"))) return null;
        OpenClipConfig config = OpenClipConfig.read(vocab.resolve("open_clip_config.json"));
        if (config.hfTokenizer() == null) return null;
        if (!spec.commandLine().getParseResult().hasMatchedOption("--context-length"))
            contextLength = (Integer) config.expected().get("text_cfg.context_length");
        return HfTokenizer.load(vocab, config.hfTokenizer());
    }

    /** Lines of standard input (LF or CRLF), each decoded as strict UTF-8 so that a bad byte is reported by line. */
    private void readStdin(TextTokenizer tokenizer, PrintWriter out) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        InputStream in = new BufferedInputStream(System.in, 1 << 16);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int lineNumber = 0;
        for (;;) {
            int b = in.read();
            if (b != '\n' && b != -1) {
                line.write(b);
                continue;
            }
            if (b == -1 && line.size() == 0) return;
            lineNumber++;
            byte[] bytes = line.toByteArray();
            int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            String text;
            try {
                text = utf8.decode(ByteBuffer.wrap(bytes, 0, len)).toString();
            } catch (CharacterCodingException e) {
                out.flush();
                throw new UserError("stdin line " + lineNumber + ": invalid UTF-8");
            }
            out.println(idsLine(tokenizer, text, "stdin line " + lineNumber));
            line.reset();
            if (b == -1) return;
        }
    }

    private String idsLine(TextTokenizer tokenizer, String text, String where) {
        int[] ids;
        try {
            ids = tokenizer.encode(text, contextLength, truncate);
        } catch (TextTooLongException e) {
            throw new TextTooLongException(where + ": " + e.getMessage(), e);
        }
        StringBuilder sb = new StringBuilder(ids.length * 6 + 2).append('[');
        for (int k = 0; k < ids.length; k++) {
            if (k > 0) sb.append(", ");
            sb.append(ids[k]);
        }
        return sb.append(']').toString();
    }
}
