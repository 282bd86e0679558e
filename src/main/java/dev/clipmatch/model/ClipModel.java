package dev.clipmatch.model;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TextTooLongException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import dev.clipmatch.kernels.PackedLinear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * CLIP ViT inference on LibTorch ops: the image tower (patch convolution, class token, pre-LN transformer,
 * ln_post, class-token or average pooling, projection) and the text tower (causal or bidirectional transformer,
 * ln_final, the feature at the end token = argmax of the ids or another open_clip pool position, projection), with
 * open_clip's variations (layer scale, no ln_pre, final LN after pooling, projection bias) as {@link ClipConfig}
 * says; ResNet and ConvNeXt image towers run in their own classes, SigLIP's timm trunk in {@link TimmVitTower},
 * CoCa's attentional pooler in {@link AttentionalPooler}, a text class token (CoCa's embed_cls) in
 * {@code encodeWithClassToken}. Float32 on the CPU. Causal text rows are trimmed to their pooled position: with the
 * causal mask, later positions cannot change its feature.
 *
 * <p>Batch invariance: an item's embedding is a function of the item alone (its batch, position, neighbours and
 * the thread count never change a bit), which the content-addressed embedding cache relies on. Plain ViT image
 * towers and the text tower run batched on packed rows through the layer kernels ({@link PackedTransformer}: each
 * item at its own length, a caption at its pooled position + 1); the other towers (ResNet, ConvNeXt, timm ViT,
 * attentional pooling, a text class token) encode each item in its own LibTorch call ({@link #perItem}), as every
 * tower does when loaded with {@link Encoding#PER_ITEM}. Measured cost of both in docs/BENCHMARKS.md.
 *
 * <p>Memory: a packed tower keeps only the packed copy of its linear weights; their LibTorch tensors are released
 * from the checkpoint once packed (so the model holds each weight once). That is why the encoding is chosen at load.
 *
 * <p>Threads: the matrix products that dominate CLIP go to OpenBLAS, whose own thread pool LibTorch's thread
 * setting does not govern, and whose threads synchronise on every product (costly for text batches of a few
 * hundred rows, and on a loaded machine). A batch is instead split into one chunk per thread, encoded
 * concurrently (LibTorch ops are thread-safe on independent tensors; the weights are only read), with OpenBLAS
 * and LibTorch's intra-op parallelism at one thread each.
 */
public final class ClipModel {
    private final Checkpoint checkpoint;
    private final ClipConfig cfg;
    // the per-item path's weights: null for a packed tower (its linear weights are released once packed)
    private final Tensor conv1, visualProj, textProj, textProjBias;
    private final Block[] visionBlocks, textBlocks;
    private final Tensor classEmbedding, visualPos, lnPreW, lnPreB, lnPostW, lnPostB;
    private final Tensor tokenEmbedding, textPos, lnFinalW, lnFinalB;
    private final ResNetTower resnet;
    private final TimmVitTower timmVit;
    private final ConvNextTower convNext;
    private final AttentionalPooler attnPool;
    private final Tensor textCls;
    private final float logitScale;
    private final Float logitBias;
    // the packed, batch-invariant paths (null where a tower has none)
    private final PackedTransformer visionPacked, textPacked;
    private final PackedLinear patchEmbedPacked, visualProjPacked, textProjPacked;
    private final Encoding encoding;
    private int threads;
    private ExecutorService pool;

    /** How the towers that have a packed path encode; fixed at load, since each way keeps only the weights it uses. */
    public enum Encoding {
        /** Plain ViT image towers and the text tower batched on packed rows through the layer kernels (the default). */
        PACKED,
        /** Every tower encodes each item in its own LibTorch call (the same results up to the last bits; for checks). */
        PER_ITEM
    }

    /** A block's linear layers (weight, bias) by key suffix: what a packed tower packs and then releases. */
    private static final String[] LINEAR_KEYS = {"attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
            "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    private static final String VISION_BLOCKS = "visual.transformer.resblocks.", TEXT_BLOCKS = "transformer.resblocks.";

    /** One pre-LN residual block: x += ls_1 * attn(ln_1(x)); x += ls_2 * mlp(ln_2(x)) (layer scales null when absent). */
    record Block(Tensor ln1W, Tensor ln1B, Tensor inW, Tensor inB, Tensor outW, Tensor outB,
                         Tensor ln2W, Tensor ln2B, Tensor fcW, Tensor fcB, Tensor projW, Tensor projB, Tensor ls1, Tensor ls2) {}

    @SuppressWarnings("try") // the scope frees the packing's temporaries without being named in it
    private ClipModel(Checkpoint checkpoint, Encoding encoding) {
        this.checkpoint = checkpoint;
        this.encoding = encoding;
        this.cfg = checkpoint.config();
        StateDict w = checkpoint.weights();
        int vw = cfg.visionWidth(), tw = cfg.textWidth(), e = cfg.embedDim();
        resnet = cfg.resnet() ? new ResNetTower(w, cfg.resnetLayers(), cfg.visionHeads()) : null;
        timmVit = cfg.visionPool() == ClipConfig.VisionPool.MAP ? new TimmVitTower(w, cfg) : null;
        convNext = cfg.convNext() != null ? new ConvNextTower(w, cfg.convNext()) : null;
        boolean vit = resnet == null && timmVit == null && convNext == null;
        attnPool = vit && cfg.attnPoolHeads() > 0 ? new AttentionalPooler(w, vw, cfg.attnPoolHeads()) : null;
        int pooled = attnPool != null ? e : vw; // the attentional pooler outputs embedding-wide queries
        textCls = cfg.textCls() ? w.get("cls_emb", cfg.textWidth()) : null;
        Tensor patchWeight = vit ? w.get("visual.conv1.weight", vw, 3, cfg.patch(), cfg.patch()) : null;
        classEmbedding = vit ? w.get("visual.class_embedding", vw) : null;
        visualPos = vit ? w.get("visual.positional_embedding", (long) cfg.grid() * cfg.grid() + 1, vw) : null;
        lnPreW = cfg.lnPre() ? w.get("visual.ln_pre.weight", vw) : null;
        lnPreB = cfg.lnPre() ? w.get("visual.ln_pre.bias", vw) : null;
        lnPostW = vit ? w.get("visual.ln_post.weight", pooled) : null;
        lnPostB = vit ? w.get("visual.ln_post.bias", pooled) : null;
        Tensor imageProj = vit ? w.get("visual.proj", pooled, e) : null;
        tokenEmbedding = w.get("token_embedding.weight", cfg.vocabSize(), tw);
        textPos = w.get("positional_embedding", cfg.contextLength() + (cfg.textCls() ? 1 : 0), tw);
        lnFinalW = w.get("ln_final.weight", tw);
        lnFinalB = w.get("ln_final.bias", tw);
        String textProjKey = switch (cfg.textProjection()) {
            case MATRIX -> "text_projection";
            case LINEAR_BIAS -> "text_projection.weight";
            case NONE -> null;
        };
        Tensor textProjWeight = switch (cfg.textProjection()) {
            case MATRIX -> w.get(textProjKey, tw, e);
            case LINEAR_BIAS -> w.get(textProjKey, e, tw);
            case NONE -> null;
        };
        Tensor textBias = cfg.textProjection() == ClipConfig.TextProjection.LINEAR_BIAS ? w.get("text_projection.bias", e) : null;
        Block[] vision = vit ? blocks(w, VISION_BLOCKS, cfg.visionLayers(), vw, cfg.visionMlp(), cfg.visionLayerScale()) : null;
        Block[] text = blocks(w, TEXT_BLOCKS, cfg.textLayers(), tw, cfg.textMlp(), cfg.textLayerScale());
        logitScale = w.has("logit_scale") ? (float) Math.exp(w.get("logit_scale").item_float()) : 100f;
        logitBias = w.has("logit_bias") ? w.get("logit_bias").item_float() : null;
        float eps = (float) cfg.layerNormEps();
        boolean packed = encoding == Encoding.PACKED;
        boolean packedVit = packed && vit && attnPool == null; // CoCa's attentional pooler runs on the per-item path
        boolean packedText = packed && textCls == null; // a text class token needs open_clip's key-padding mask: per-item path
        try (PointerScope scope = new PointerScope()) { // frees the packing's temporaries (views, transposed copies) now
            visionPacked = packedVit ? new PackedTransformer(vision, vw, cfg.visionHeads(), cfg.visionActivation(), false, eps,
                    i -> releaseLinears(w, VISION_BLOCKS + i + ".")) : null;
            patchEmbedPacked = packedVit ? PackedTransformer.pack(patchWeight.reshape(vw, 3L * cfg.patch() * cfg.patch()), null) : null;
            visualProjPacked = packedVit ? PackedTransformer.pack(imageProj.t(), null) : null;
            textPacked = packedText ? new PackedTransformer(text, tw, cfg.textHeads(), cfg.textActivation(), cfg.causal(), eps,
                    i -> releaseLinears(w, TEXT_BLOCKS + i + ".")) : null;
            textProjPacked = !packedText ? null : switch (cfg.textProjection()) {
                case MATRIX -> PackedTransformer.pack(textProjWeight.t(), null);
                case LINEAR_BIAS -> PackedTransformer.pack(textProjWeight, textBias);
                case NONE -> null;
            };
        }
        conv1 = packedVit ? null : patchWeight;
        visualProj = packedVit ? null : imageProj;
        visionBlocks = packedVit ? null : vision;
        textBlocks = packedText ? null : text;
        textProj = packedText ? null : textProjWeight;
        textProjBias = packedText ? null : textBias;
        if (packedVit) {
            w.release("visual.conv1.weight");
            w.release("visual.proj");
        }
        if (packedText) {
            if (textProjKey != null) w.release(textProjKey);
            if (textBias != null) w.release("text_projection.bias");
        }
        setThreads(0);
    }

    /** Frees a block's linear weights and biases once packed: the packed tower holds its own copy. */
    private static void releaseLinears(StateDict w, String block) {
        for (String key : LINEAR_KEYS) w.release(block + key);
    }

    private static Block[] blocks(StateDict w, String prefix, int layers, int d, int mlp, boolean layerScale) {
        Block[] out = new Block[layers];
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            out[i] = new Block(w.get(p + "ln_1.weight", d), w.get(p + "ln_1.bias", d),
                    w.get(p + LINEAR_KEYS[0], 3L * d, d), w.get(p + LINEAR_KEYS[1], 3L * d),
                    w.get(p + LINEAR_KEYS[2], d, d), w.get(p + LINEAR_KEYS[3], d),
                    w.get(p + "ln_2.weight", d), w.get(p + "ln_2.bias", d),
                    w.get(p + LINEAR_KEYS[4], mlp, d), w.get(p + LINEAR_KEYS[5], mlp),
                    w.get(p + LINEAR_KEYS[6], d, mlp), w.get(p + LINEAR_KEYS[7], d),
                    layerScale ? w.get(p + "ls_1.gamma", d) : null, layerScale ? w.get(p + "ls_2.gamma", d) : null);
        }
        return out;
    }

    /** Loads a checkpoint in any supported format (see {@link CheckpointFormat}), packed. */
    public static ClipModel load(Path path) {
        return load(path, null);
    }

    /** Loads a checkpoint whose architecture is named (an open_clip model name or config file; null: the checkpoint's own), packed. */
    public static ClipModel load(Path path, String arch) {
        return load(path, arch, Encoding.PACKED);
    }

    /** As {@link #load(Path, String)}, encoding as asked. */
    public static ClipModel load(Path path, String arch, Encoding encoding) {
        return new ClipModel(Checkpoint.load(path, arch), encoding);
    }

    /**
     * A model on a loaded checkpoint, packed. Takes the checkpoint over: the packed towers' linear weights are
     * released from its weights, so a checkpoint makes one model.
     */
    public static ClipModel of(Checkpoint checkpoint) {
        return of(checkpoint, Encoding.PACKED);
    }

    /** As {@link #of(Checkpoint)}, encoding as asked (per item: the checkpoint keeps every weight). */
    public static ClipModel of(Checkpoint checkpoint, Encoding encoding) {
        return new ClipModel(checkpoint, encoding);
    }

    /** Encodes with {@code n} threads (0 or less: one per available core, the default). */
    public synchronized void setThreads(int n) {
        int want = n > 0 ? n : Runtime.getRuntime().availableProcessors();
        torch.set_num_threads(1);
        openblas_full.openblas_set_num_threads(1);
        if (want == threads && (pool != null || want == 1)) return;
        if (pool != null) pool.shutdown();
        threads = want;
        AtomicInteger id = new AtomicInteger();
        pool = want == 1 ? null : Executors.newFixedThreadPool(want, r -> {
            // OpenMP's thread count is per calling thread: without this each worker would fork a full team
            Thread t = new Thread(() -> {
                torch.set_num_threads(1);
                r.run();
            }, "clipmatch-encode-" + id.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * How the towers that have a packed path encode (chosen at load). Both ways are batch-invariant; they differ in
     * speed and in the last bits (another summation order).
     */
    public Encoding encoding() {
        return encoding;
    }

    /**
     * Names the encoder's arithmetic, for cache keys: embeddings from two arithmetics differ in the last bits, so a
     * cache must never mix them. Bump the version whenever a change to the encoding alters any bit of a vector.
     */
    public String arithmetic() {
        return encoding == Encoding.PACKED ? "packed1" : "item1";
    }

    public int threads() {
        return threads;
    }

    public ClipConfig config() {
        return cfg;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** exp(logit_scale): logits = scale * cosine (100 for the released weights). */
    public float logitScale() {
        return logitScale;
    }

    /** SigLIP's logit_bias (logits = scale * cosine + bias, read as independent sigmoids), or null for CLIP's softmax. */
    public Float logitBias() {
        return logitBias;
    }

    // ---------------------------------------------------------------- images

    /** Image embeddings [count, embedDim] of preprocessed pixels [count, 3, S, S] (row-major). */
    public float[] encodeImages(float[] pixels, int count) {
        int s = cfg.resolution();
        int per = 3 * s * s;
        if ((long) count * per != pixels.length)
            throw new IllegalArgumentException("expected " + count + " x 3 x " + s + " x " + s + " pixels, got " + pixels.length + " floats");
        if (visionPacked != null) {
            long tokens = (long) cfg.grid() * cfg.grid() + 1;
            long[] cost = new long[count];
            Arrays.fill(cost, tokens);
            return inParts(parts(cost), (from, to) -> Tensors.toFloats(encodeImagesPacked(Tensors.fromFloats(pixels, from * per, to - from, 3, s, s))));
        }
        return inParts(perItem(count), (from, to) -> Tensors.toFloats(encodeImages(Tensors.fromFloats(pixels, from * per, to - from, 3, s, s))));
    }

    /** The ViT image tower on packed rows [B·L, W] through the layer kernels (batch-invariant at any batch size). */
    private Tensor encodeImagesPacked(Tensor pixels) {
        long b = pixels.size(0), g = cfg.grid(), p = cfg.patch(), l = g * g + 1;
        int width = cfg.visionWidth();
        // the stride-p convolution as a linear layer on the flattened patches (channel, row, column order)
        Tensor patches = pixels.view(b, 3, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b * g * g, 3 * p * p);
        Tensor x = PackedTransformer.linear(patchEmbedPacked, patches).view(b, g * g, width);
        Tensor cls = classEmbedding.view(1, 1, width).expand(b, 1, width);
        x = torch.cat(new TensorVector(cls, x), 1).add_(visualPos).reshape(b * l, width);
        float eps = (float) cfg.layerNormEps();
        if (lnPreW != null) x = PackedTransformer.layerNorm(x, lnPreW, lnPreB, eps);
        long[] offsets = new long[(int) b + 1];
        for (int i = 1; i <= b; i++) offsets[i] = i * l;
        x = visionPacked.run(x, offsets);
        Tensor pooled;
        if (cfg.visionPool() == ClipConfig.VisionPool.AVG) {
            Tensor tokens = cfg.visionLnAfterPool() ? x : PackedTransformer.layerNorm(x, lnPostW, lnPostB, eps);
            pooled = torch.empty(b, width);
            for (int i = 0; i < b; i++) // each item's own mean, on a fresh copy of its rows
                pooled.select(0, i).copy_(tokens.narrow(0, i * l + 1, l - 1).clone().mean(new long[] {0}));
            if (cfg.visionLnAfterPool()) pooled = PackedTransformer.layerNorm(pooled, lnPostW, lnPostB, eps);
        } else { // the class token; layer norm is per row, so before or after pooling is the same
            pooled = PackedTransformer.layerNorm(x.view(b, l, width).select(1, 0), lnPostW, lnPostB, eps);
        }
        return PackedTransformer.linear(visualProjPacked, pooled);
    }

    /** Image embeddings of a [B, 3, S, S] float tensor; call inside a PointerScope. */
    public Tensor encodeImages(Tensor pixels) {
        if (visionPacked != null) return encodeImagesPacked(pixels.contiguous());
        if (resnet != null) return resnet.encode(pixels);
        if (timmVit != null) return timmVit.encode(pixels);
        if (convNext != null) return convNext.encode(pixels);
        long b = pixels.size(0);
        int width = cfg.visionWidth();
        Tensor x = torch.conv2d(pixels, conv1, new TensorOptional(), new long[] {cfg.patch(), cfg.patch()}, new long[] {0, 0}, new long[] {1, 1}, 1);
        x = x.flatten(2, 3).transpose(1, 2);                       // [B, grid², W]
        Tensor cls = classEmbedding.view(1, 1, width).expand(b, 1, width);
        x = torch.cat(new TensorVector(cls, x), 1).add_(visualPos); // [B, grid²+1, W]
        if (lnPreW != null) x = layerNorm(x, lnPreW, lnPreB);
        for (Block blk : visionBlocks) x = block(x, blk, cfg.visionHeads(), cfg.visionActivation(), false);
        if (attnPool != null) { // open_clip (CoCa): pool, ln_post, then the first query (or the mean of the others)
            x = layerNorm(attnPool.pool(x), lnPostW, lnPostB);
            x = cfg.visionPool() == ClipConfig.VisionPool.AVG ? x.narrow(1, 1, x.size(1) - 1).mean(new long[] {1}) : x.select(1, 0);
            return x.matmul(visualProj);
        }
        // open_clip: ln_post on every token then pool, or (final_ln_after_pool) pool then ln_post
        if (!cfg.visionLnAfterPool()) x = layerNorm(x, lnPostW, lnPostB);
        x = cfg.visionPool() == ClipConfig.VisionPool.AVG ? x.narrow(1, 1, x.size(1) - 1).mean(new long[] {1}) : x.select(1, 0);
        if (cfg.visionLnAfterPool()) x = layerNorm(x, lnPostW, lnPostB);
        return x.matmul(visualProj);
    }

    // ---------------------------------------------------------------- texts

    /** Text embeddings [rows, embedDim] of token ids [rows, contextLength] (zero-padded, as clip.tokenize). */
    public float[] encodeTexts(long[] ids, int rows, int contextLength) {
        return encodeTexts(ids, rows, contextLength, true);
    }

    /** As {@link #encodeTexts(long[], int, int)}; {@code trim = false} runs all context positions (for checks). */
    public float[] encodeTexts(long[] ids, int rows, int contextLength, boolean trim) {
        if ((long) rows * contextLength != ids.length)
            throw new IllegalArgumentException("expected " + rows + " x " + contextLength + " token ids, got " + ids.length);
        if (textPacked != null) {
            long[] lengths = textLengths(pooledPositions(ids, rows, contextLength), trim);
            return inParts(parts(lengths), (from, to) ->
                    Tensors.toFloats(encodeTextsPacked(Arrays.copyOfRange(ids, from * contextLength, to * contextLength), to - from, contextLength, trim)));
        }
        return inParts(perItem(rows), (from, to) ->
                Tensors.toFloats(encodeTextsTensor(Arrays.copyOfRange(ids, from * contextLength, to * contextLength), to - from, contextLength, trim)));
    }

    /**
     * Each row's pooled position (validating context length and ids): the end token (argmax of the ids) or another
     * open_clip pool position.
     */
    private long[] pooledPositions(long[] ids, int rows, int contextLength) {
        int fullContext = cfg.contextLength();
        if (contextLength > fullContext)
            throw new TextTooLongException("token sequences of length " + contextLength + " exceed the model's context length " + fullContext);
        long[] pooled = new long[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0, firstEos = -1;
            for (int i = 0; i < contextLength; i++) {
                long id = ids[r * contextLength + i];
                if (id < 0 || id >= cfg.vocabSize())
                    throw new ClipMatchException("token id " + id + " (row " + r + ") is outside the model's vocabulary of " + cfg.vocabSize());
                if (id > ids[r * contextLength + best]) best = i;
                if (id == cfg.eosId() && firstEos < 0) firstEos = i;
            }
            pooled[r] = switch (cfg.textPool()) {
                case ARGMAX -> best;
                case FIRST -> 0;
                case LAST -> fullContext - 1;
                case EOS -> Math.max(firstEos, 0); // open_clip: argmax of (ids == eos_id), 0 when absent
            };
        }
        return pooled;
    }

    /** Whether rows may stop after their pooled position: with a causal mask, later positions cannot change it. */
    private boolean trimmable(boolean trim) {
        return trim && cfg.causal() && cfg.textPool() != ClipConfig.TextPool.LAST;
    }

    /** The length each row runs at on its own: its pooled position + 1 when trimmable, else the model's context. */
    private long[] textLengths(long[] pooled, boolean trim) {
        long[] lengths = new long[pooled.length];
        for (int r = 0; r < pooled.length; r++) lengths[r] = trimmable(trim) ? pooled[r] + 1 : cfg.contextLength();
        return lengths;
    }

    /** The text tower on packed rows [ΣL, W], each caption at its own length (varlen), through the layer kernels. */
    private Tensor encodeTextsPacked(long[] ids, int rows, int contextLength, boolean trim) {
        long[] pooled = pooledPositions(ids, rows, contextLength);
        long[] lengths = textLengths(pooled, trim);
        long[] offsets = new long[rows + 1];
        for (int r = 0; r < rows; r++) offsets[r + 1] = offsets[r] + lengths[r];
        int total = (int) offsets[rows];
        long[] tokens = new long[total], positions = new long[total], pooledRows = new long[rows];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < lengths[r]; i++) { // zero-padded past the given context, as open_clip's tokenizer
                tokens[(int) offsets[r] + i] = i < contextLength ? ids[r * contextLength + i] : 0;
                positions[(int) offsets[r] + i] = i;
            }
            pooledRows[r] = offsets[r] + pooled[r];
        }
        Tensor x = torch.embedding(tokenEmbedding, Tensors.fromLongs(tokens, total))
                .add_(torch.embedding(textPos, Tensors.fromLongs(positions, total)));          // [ΣL, W]
        x = textPacked.run(x, offsets).index_select(0, Tensors.fromLongs(pooledRows, rows));
        x = PackedTransformer.layerNorm(x, lnFinalW, lnFinalB, (float) cfg.layerNormEps());
        return textProjPacked == null ? x : PackedTransformer.linear(textProjPacked, x);
    }

    /**
     * Text embeddings as a tensor; call inside a PointerScope. Rows are trimmed to the last pooled position only
     * when the mask is causal and the pooled position is not the last one: then later positions cannot change it.
     */
    private Tensor encodeTextsTensor(long[] ids, int rows, int contextLength, boolean trim) {
        int fullContext = cfg.contextLength();
        long[] pooled = pooledPositions(ids, rows, contextLength); // also refuses a context longer than the model's
        if (textCls != null) return encodeWithClassToken(ids, rows, contextLength, trim);
        int longest = 1;
        for (long p : pooled) longest = (int) Math.max(longest, p + 1);
        int len = trimmable(trim) ? Math.min(longest, contextLength) : fullContext;
        long[] padded = ids;
        if (contextLength != len) { // zero-padded to the model's context (as open_clip's tokenizer) or cut to the trimmed length
            padded = new long[rows * len];
            for (int r = 0; r < rows; r++) System.arraycopy(ids, r * contextLength, padded, r * len, Math.min(len, contextLength));
        }
        Tensor x = torch.embedding(tokenEmbedding, Tensors.fromLongs(padded, rows, len)).add_(textPos.narrow(0, 0, len)); // [B, L, W]
        for (Block blk : textBlocks) x = block(x, blk, cfg.textHeads(), cfg.textActivation(), cfg.causal());
        x = layerNorm(x, lnFinalW, lnFinalB);
        long[] flat = new long[rows];
        for (int r = 0; r < rows; r++) flat[r] = (long) r * len + pooled[r];
        return textProject(x.reshape(-1, cfg.textWidth()).index_select(0, Tensors.fromLongs(flat, rows)));
    }

    /**
     * open_clip's text tower with embed_cls (CoCa): a learned class token appended after the full context, pooled
     * from it (ln_final after pooling). The mask is open_clip 3.3.0's: causal (unless no_causal_mask) plus a key
     * mask of the padding ids, which open_clip builds with the class token's entry in front ("legacy" order, as
     * the released CoCa weights were trained): key 0 is always visible and key j >= 1 is hidden when token j - 1
     * is pad_id. Trimmed (unless {@code trim} is false): the positions after the one that follows the last
     * non-pad token are hidden keys in every layer and never pooled, so they are left out; the class token keeps
     * its own position (the last) and the mask is built on the original positions.
     */
    private Tensor encodeWithClassToken(long[] ids, int rows, int contextLength, boolean trim) {
        int context = cfg.contextLength(), width = cfg.textWidth();
        long[] padded = new long[rows * context];
        for (int r = 0; r < rows; r++) System.arraycopy(ids, r * contextLength, padded, r * context, Math.min(context, contextLength));
        int keep = trim ? 1 : context;
        for (int r = 0; r < rows; r++) {
            for (int i = context - 1; i >= 0; i--) {
                if (padded[r * context + i] != cfg.padId()) {
                    keep = Math.max(keep, Math.min(i + 2, context));
                    break;
                }
            }
        }
        int seq = keep + 1;
        int[] position = new int[seq]; // original position of each kept one: tokens 0..keep-1, then the class token
        for (int j = 0; j < keep; j++) position[j] = j;
        position[keep] = context;
        float[] mask = new float[rows * seq * seq];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < seq; q++) {
                for (int k = 0; k < seq; k++) {
                    int key = position[k];
                    boolean hidden = cfg.causal() && key > position[q] || key > 0 && padded[r * context + key - 1] == cfg.padId();
                    if (hidden) mask[(r * seq + q) * seq + k] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        Tensor attnMask = Tensors.fromFloats(mask, 0, rows, 1, seq, seq);
        long[] kept = new long[rows * keep];
        for (int r = 0; r < rows; r++) System.arraycopy(padded, r * context, kept, r * keep, keep);
        Tensor x = torch.embedding(tokenEmbedding, Tensors.fromLongs(kept, rows, keep)).add_(textPos.narrow(0, 0, keep));
        Tensor cls = textCls.add(textPos.select(0, context)).view(1, 1, width).expand(rows, 1, width);
        x = torch.cat(new TensorVector(x, cls), 1); // [B, keep + 1, W]
        for (Block blk : textBlocks) x = block(x, blk, cfg.textHeads(), cfg.textActivation(), attnMask);
        return textProject(layerNorm(x.select(1, keep), lnFinalW, lnFinalB));
    }

    private Tensor textProject(Tensor x) {
        return switch (cfg.textProjection()) {
            case MATRIX -> x.matmul(textProj);
            case LINEAR_BIAS -> torch.linear(x, textProj, new TensorOptional(textProjBias));
            case NONE -> x;
        };
    }

    // ---------------------------------------------------------------- shared

    /** Encodes rows [from, to) to float[(to - from) * embedDim]; runs inside a PointerScope and InferenceMode. */
    private interface Chunk {
        float[] encode(int from, int to);
    }

    /**
     * One item per part, for towers without a packed path: a product's summation order in OpenBLAS depends on its
     * shape and on where a row falls in its tiles (a row's result changed with its batch, its position in it, even in
     * fixed-size calls), and a causal text batch would be trimmed to its longest row; one item per LibTorch call makes
     * every embedding a function of its item alone (a caption runs at its own pooled position + 1).
     */
    private static int[] perItem(int count) {
        int[] bounds = new int[count + 1];
        for (int i = 0; i <= count; i++) bounds[i] = i;
        return bounds;
    }

    /** Rows of packed tokens per part at most: enough for the kernels' full speed, bounded memory. */
    private static final long PART_TOKENS = 8192;

    /**
     * Contiguous parts of similar cost (tokens), one per thread at least, for the packed paths; where the cuts fall
     * changes no embedding, only which thread computes it.
     */
    private int[] parts(long[] cost) {
        long total = 0;
        for (long c : cost) total += c;
        int n = (int) Math.min(cost.length, Math.max(threads(), (total + PART_TOKENS - 1) / PART_TOKENS));
        int[] bounds = new int[n + 1];
        long done = 0;
        int at = 0;
        for (int part = 1; part < n; part++) {
            long target = total * part / n;
            while (at < cost.length - (n - part) && (done < target || at < bounds[part - 1] + 1)) done += cost[at++];
            bounds[part] = at;
        }
        bounds[n] = cost.length;
        return bounds;
    }

    /** Encodes each part [bounds[i], bounds[i + 1]) as one call (spread over the pool); concatenates in order. */
    private float[] inParts(int[] bounds, Chunk chunk) {
        ExecutorService p;
        synchronized (this) {
            p = threads > 1 ? pool : null;
        }
        List<Future<float[]>> parts = new ArrayList<>();
        for (int i = 0; i + 1 < bounds.length; i++) {
            int from = bounds[i], to = bounds[i + 1];
            parts.add(p == null ? CompletableFuture.completedFuture(scoped(chunk, from, to)) : p.submit(() -> scoped(chunk, from, to)));
        }
        int dim = cfg.embedDim();
        int count = bounds[bounds.length - 1];
        float[] out = new float[count * dim];
        int at = 0;
        for (Future<float[]> f : parts) {
            float[] part;
            try {
                part = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while encoding", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            }
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    @SuppressWarnings("try") // the scope frees the block's tensors without being named in it
    private static float[] scoped(Chunk chunk, int from, int to) {
        try (PointerScope scope = new PointerScope()) {
            InferenceMode guard = new InferenceMode();
            return chunk.encode(from, to);
        }
    }

    private Tensor layerNorm(Tensor x, Tensor w, Tensor b) {
        return torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(w), new TensorOptional(b), cfg.layerNormEps(), false);
    }

    private Tensor block(Tensor x, Block blk, int heads, ClipConfig.Activation act, boolean causal) {
        return block(x, blk, heads, act, causal, null);
    }

    /** A block with an additive attention mask [B, 1, L, L] (broadcast over heads). */
    private Tensor block(Tensor x, Block blk, int heads, ClipConfig.Activation act, Tensor mask) {
        return block(x, blk, heads, act, false, mask);
    }

    private Tensor block(Tensor x, Block blk, int heads, ClipConfig.Activation act, boolean causal, Tensor mask) {
        long b = x.size(0), l = x.size(1), d = x.size(2), hd = d / heads;
        Tensor qkv = torch.linear(layerNorm(x, blk.ln1W(), blk.ln1B()), blk.inW(), new TensorOptional(blk.inB()))
                .view(b, l, 3, heads, hd).permute(2, 0, 3, 1, 4);    // [3, B, H, L, hd]
        Tensor a = torch.scaled_dot_product_attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2),
                mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, causal, new DoubleOptional(), false);
        a = a.transpose(1, 2).reshape(b, l, d);
        Tensor attn = torch.linear(a, blk.outW(), new TensorOptional(blk.outB()));
        x = x.add(blk.ls1() != null ? attn.mul_(blk.ls1()) : attn);
        Tensor h = torch.linear(layerNorm(x, blk.ln2W(), blk.ln2B()), blk.fcW(), new TensorOptional(blk.fcB()));
        h = switch (act) {
            case QUICK_GELU -> h.mul_(torch.sigmoid(h.mul(new Scalar(1.702f))));
            case GELU -> torch.gelu(h);
            case GELU_TANH -> torch.gelu(h, "tanh");
        };
        Tensor mlp = torch.linear(h, blk.projW(), new TensorOptional(blk.projB()));
        return x.add_(blk.ls2() != null ? mlp.mul_(blk.ls2()) : mlp);
    }
}
