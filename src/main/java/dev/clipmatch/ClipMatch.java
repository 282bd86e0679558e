package dev.clipmatch;

import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.image.ImagePreprocessor;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.CacheDir;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.kernels.Backends;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.model.CheckpointFormat;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.model.ModelCache;
import dev.clipmatch.pipeline.EncodeListener;
import dev.clipmatch.pipeline.Encoder;
import dev.clipmatch.tokenizer.ClipTokenizer;
import dev.clipmatch.tokenizer.HfTokenizer;
import dev.clipmatch.tokenizer.TextTokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The Java API: a CLIP model with its tokenizer and preprocessing, ready to encode, score, retrieve and
 * evaluate. Thread-safe for encoding; the CLI commands are thin layers over this class.
 *
 * <pre>{@code
 * ClipMatch clip = ClipMatch.load("ViT-B-32");                  // registry name (cache) or a checkpoint path
 * Embeddings images = clip.encodeImages(List.of(Path.of("cat.jpg")));
 * Embeddings texts = clip.encodeTexts(List.of("a photo of a cat", "a photo of a dog"));
 * float[] probs = clip.probabilities(images, texts);               // softmax over the texts, per image
 * ScoreBackend.TopK best = clip.search(texts, images, 1);          // best image per text
 * }</pre>
 */
public final class ClipMatch {
    /**
     * Where and how to load; every field may be null for the defaults. {@code arch}: the open_clip architecture
     * (model name or config file) of a bare state dict, which cannot tell its own.
     */
    public record Options(Path cacheDir, Path vocab, String preset, Integer threads, String device, String arch) {
        public Options(Path cacheDir, Path vocab, String preset, Integer threads, String device) {
            this(cacheDir, vocab, preset, threads, device, null);
        }

        public static Options defaults() {
            return new Options(null, null, null, null, null, null);
        }
    }

    private final ClipModel model;
    private final Path vocabOverride;
    private final Path cacheDir;
    private final ImagePreprocessor preprocessor;
    private final String presetName;
    private final String label;
    private final Path checkpoint;
    private final String checkpointSha;
    private final ScoreBackend backend;
    private volatile TextTokenizer tokenizer;
    private volatile Path vocabFile;

    private ClipMatch(ClipModel model, Path vocabOverride, Path cacheDir, ImagePreprocessor preprocessor, String presetName, String label,
            Path checkpoint, String checkpointSha, ScoreBackend backend) {
        this.model = model;
        this.vocabOverride = vocabOverride;
        this.cacheDir = cacheDir;
        this.preprocessor = preprocessor;
        this.presetName = presetName;
        this.label = label;
        this.checkpoint = checkpoint;
        this.checkpointSha = checkpointSha;
        this.backend = backend;
    }

    public static ClipMatch load(String model) {
        return load(model, Options.defaults());
    }

    /**
     * Resolves {@code model} (a checkpoint path, or a registry name or open_clip ARCH/TAG in the cache, whose sha256
     * must then be the published one, or for a tag without one the one recorded at download), loads it, and picks its preprocessing: the option, else the registry's preset, else the
     * checkpoint's open_clip config (or named architecture), else OpenAI's recipe at the model's input size.
     */
    public static ClipMatch load(String model, Options o) {
        Path cache = CacheDir.dirOr(o.cacheDir());
        ModelCache.Resolved resolved = ModelCache.resolve(model, cache);
        String sha = Checksums.sha256(CheckpointFormat.weightFiles(resolved.checkpoint()));
        if (resolved.expectedSha256() != null && !sha.equalsIgnoreCase(resolved.expectedSha256()))
            throw new ClipMatchException(resolved.checksumMismatch(sha));
        ClipModel clip = ClipModel.load(resolved.checkpoint(), o.arch());
        clip.setThreads(o.threads() == null ? 0 : o.threads());
        resolved.check(clip.config());
        int res = clip.config().resolution();
        String name = o.preset() != null ? o.preset() : resolved.entry() != null ? resolved.entry().preprocess() : "clip-" + res;
        PreprocessConfig config;
        PreprocessConfig own = clip.checkpoint().preprocess();
        if (o.preset() == null && resolved.entry() == null && own != null) {
            config = own;
            name = presetNameOf(own);
        } else if (o.preset() == null && !PreprocessConfig.presetNames().contains(name)) {
            config = PreprocessConfig.preset("clip-224").withSize(res); // an unusual input size: OpenAI's recipe at that size
            name = "clip-224@" + res;
        } else {
            config = PreprocessConfig.preset(name);
        }
        if (config.size() != res)
            throw new ClipMatchException("preprocessing preset " + name + " makes " + config.size() + " px images, but the model takes " + res + " px");
        ScoreBackend backend = Backends.select(o.device() == null ? "auto" : o.device(), System.err);
        return new ClipMatch(clip, o.vocab(), cache, new ImagePreprocessor(config), name, resolved.label(), resolved.checkpoint(), sha, backend);
    }

    /**
     * A preset's name when the settings are a shipped preset's, else a name that identifies the settings (it keys
     * the embedding cache, so different settings never share cached embeddings).
     */
    private static String presetNameOf(PreprocessConfig c) {
        for (String p : PreprocessConfig.presetNames()) {
            if (PreprocessConfig.preset(p).equals(c)) return p;
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(c.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "open_clip-" + java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tokenizer files next to the checkpoint, else in the cache, else the default location. */
    public static Path findVocab(Path checkpoint, Path cache) {
        Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
        Optional<Path> found = ClipTokenizer.findIn(dir);
        if (found.isEmpty()) found = ClipTokenizer.findIn(cache);
        return found.orElseGet(ClipTokenizer::defaultVocabulary);
    }

    public ClipModel model() {
        return model;
    }

    /**
     * The tokenizer, loaded on first use (image-only work needs no vocabulary): OpenAI's BPE, or for an open_clip
     * config naming a Hugging Face tokenizer (hf_tokenizer_name) the tokenizer.json of the model folder (or of the
     * vocabulary option's folder).
     */
    public TextTokenizer tokenizer() {
        if (tokenizer == null) {
            synchronized (this) {
                if (tokenizer == null) {
                    HfTokenizer.Settings hf = model.checkpoint().hfTokenizer();
                    if (hf != null) {
                        Path from = vocabOverride != null ? vocabOverride : checkpoint;
                        Path dir = Files.isDirectory(from) ? from : from.toAbsolutePath().getParent();
                        tokenizer = HfTokenizer.load(dir, hf);
                        vocabFile = dir.resolve(HfTokenizer.TOKENIZER_FILE);
                    } else {
                        vocabFile = vocabOverride != null ? vocabOverride : findVocab(checkpoint, cacheDir);
                        tokenizer = ClipTokenizer.load(vocabFile);
                    }
                }
            }
        }
        return tokenizer;
    }

    public Path vocabFile() {
        tokenizer();
        return vocabFile;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public String presetName() {
        return presetName;
    }

    public String label() {
        return label;
    }

    public Path checkpoint() {
        return checkpoint;
    }

    public ScoreBackend backend() {
        return backend;
    }

    public int dim() {
        return model.config().embedDim();
    }

    /**
     * What identifies the encoder's function for caches: the weights' checksum (16 hex), plus, when an open_clip config
     * chose the architecture (GELU or QuickGELU, pooling, ...: same weights, other embeddings), a digest of the
     * settings, plus the encoder's arithmetic ({@link ClipModel#arithmetic}: vectors of another clipmatch version's
     * encoder never mix with this one's).
     */
    public String cacheKey() {
        String key = checkpointSha.substring(0, 16) + "-" + model.arithmetic();
        if (!model.checkpoint().openClipConfigured()) return key;
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(model.config().fingerprint().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return key + "-" + java.util.HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of the weights (file, or files of a sharded checkpoint). */
    public String checkpointSha256() {
        return checkpointSha;
    }

    /** The encoder behind {@link #encodeImages} and {@link #encodeTexts}, for other batch sizes, on-error policies or progress. */
    public Encoder encoder() {
        return new Encoder(model, preprocessor, this::tokenizer);
    }

    /** Raw image embeddings [n, D] (not normalised); an unreadable image is a {@link ClipMatchException} naming it. */
    public Embeddings encodeImages(List<Path> images) {
        float[] out = new float[images.size() * dim()];
        encoder().images(images, Encoder.Settings.imageDefaults(), EncodeListener.SILENT, (positions, e) -> place(out, positions, e));
        return new Embeddings(out, images.size(), dim());
    }

    /** Raw text embeddings [n, D]; a text longer than the context is a {@link TextTooLongException} unless {@code truncate}. */
    public Embeddings encodeTexts(List<String> texts, boolean truncate) {
        float[] out = new float[texts.size() * dim()];
        encoder().texts(texts, Encoder.Settings.textDefaults(truncate), i -> "text " + (i + 1), EncodeListener.SILENT, (positions, e) -> place(out, positions, e));
        return new Embeddings(out, texts.size(), dim());
    }

    private void place(float[] out, int[] positions, float[] rows) {
        for (int r = 0; r < positions.length; r++) System.arraycopy(rows, r * dim(), out, positions[r] * dim(), dim());
    }

    public Embeddings encodeTexts(List<String> texts) {
        return encodeTexts(texts, false);
    }

    /**
     * For each image, the probability of each text: softmax over texts of exp(logit_scale) * cosine, or for a
     * sigmoid-trained model (SigLIP: a logit_bias) each text's own sigmoid(exp(logit_scale) * cosine + logit_bias).
     */
    public float[] probabilities(Embeddings images, Embeddings texts) {
        Float bias = model.logitBias();
        if (bias == null) return backend.similarity(images, texts, true, model.logitScale(), true);
        float[] logits = backend.similarity(images, texts, true, model.logitScale(), false);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (1.0 / (1.0 + Math.exp(-(logits[i] + bias))));
        return logits;
    }

    /** The k best candidates per query by cosine similarity. */
    public ScoreBackend.TopK search(Embeddings queries, Embeddings candidates, int k) {
        return backend.topk(queries, candidates, k, true);
    }

    /** Recall in both directions (full set, and the sampled protocol for each size in {@code sampleSizes}). */
    public Evaluation evaluate(Embeddings images, Embeddings texts, long[] captionImage, int[] ks, int[] sampleSizes, int iterations, long seed) {
        return Evaluator.evaluate(new EmbeddingSource(images, texts, captionImage, backend), ks, sampleSizes, iterations, seed,
                new PrintStream(OutputStream.nullOutputStream()));
    }
}
