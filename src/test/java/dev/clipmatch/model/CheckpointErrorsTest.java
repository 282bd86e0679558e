package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.cli.Main;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TestJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt, truncated, incomplete, mismatched and unsupported checkpoints: each a ClipMatchException naming the problem. */
class CheckpointErrorsTest {
    @TempDir
    Path dir;

    private static String error(Path checkpoint) {
        String arch = checkpoint.toString().endsWith(".safetensors") ? TinyModels.openClipArch() : null; // bare: name the architecture
        return assertThrows(ClipMatchException.class, () -> ClipModel.load(checkpoint, arch)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
    }

    /** Writes float32 tensors in the safetensors layout (what the tests need to build broken variants). */
    static void writeSafetensors(Path file, Map<String, Tensor> tensors, Map<String, String> dtypeOverride) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        List<byte[]> blobs = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            float[] data = Tensors.toFloats(e.getValue());
            ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data);
            blobs.add(b.array());
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("dtype", dtypeOverride.getOrDefault(e.getKey(), "F32"));
            spec.put("shape", Arrays.stream(Tensors.shape(e.getValue())).boxed().toList());
            spec.put("data_offsets", List.of(offset, offset + data.length * 4L));
            header.put(e.getKey(), spec);
            offset += data.length * 4L;
        }
        byte[] json = TestJson.write(header).getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (byte[] b : blobs) out.write(b);
        }
    }

    private Path variant(String name, java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(TinyModels.openClipFile()));
        edit.accept(t);
        Path p = dir.resolve(name);
        writeSafetensors(p, t, Map.of());
        return p;
    }

    @Test
    void truncatedSafetensors() throws IOException {
        byte[] all = Files.readAllBytes(TinyModels.openClipFile());
        Path p = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(all, all.length / 2));
        assertMentions(error(p), "cut.safetensors", "truncated");
    }

    @Test
    void malformedHeaderAndUnknownBytes() throws IOException {
        byte[] bad = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(12).put("{\"a\": [1,".getBytes(StandardCharsets.UTF_8)).array();
        assertMentions(error(Files.write(dir.resolve("bad.safetensors"), bad)), "bad.safetensors", "malformed safetensors header");
        assertMentions(error(Files.writeString(dir.resolve("notes.pt"), "hello, not a model")), "notes.pt", "not a recognised CLIP checkpoint");
        assertMentions(error(dir.resolve("absent.pt")), "absent.pt", "no such");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        assertMentions(error(variant("missing.safetensors", t -> t.remove("visual.ln_post.bias"))), "missing tensor 'visual.ln_post.bias'");
        assertMentions(error(variant("noblock.safetensors", t -> t.keySet().removeIf(k -> k.startsWith("transformer.resblocks.0.")))),
                "block transformer.resblocks.0 is missing");
    }

    @Test
    void mismatchedShapeIsNamed() throws IOException {
        String msg = error(variant("shape.safetensors", t -> t.put("visual.ln_pre.weight", torch.ones(96))));
        assertMentions(msg, "visual.ln_pre.weight", "[96]", "[128]");
    }

    @Test
    void resNetWeightsUnderAViTConfigAreNamed() throws IOException {
        assertMentions(error(variant("rn50.safetensors", t -> t.put("visual.layer1.0.conv1.weight", torch.ones(4, 4, 1, 1)))),
                "rn50.safetensors", "holds a ResNet", "vision_cfg.layers");
    }

    @Test
    void unsupportedDtypeIsNamed() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(Safetensors.read(TinyModels.openClipFile()));
        Path p = dir.resolve("f8.safetensors");
        writeSafetensors(p, t, Map.of("visual.proj", "F8_E4M3"));
        assertMentions(error(p), "visual.proj", "F8_E4M3");
    }

    @Test
    void truncatedTorchScriptArchive() throws IOException {
        byte[] all = Files.readAllBytes(TinyModels.torchScript());
        Path p = Files.write(dir.resolve("cut.pt"), Arrays.copyOf(all, all.length * 2 / 3));
        assertMentions(error(p), "cut.pt");
    }

    @Test
    void brokenTorchSavePickleIsNamed() throws IOException {
        Path p = dir.resolve("state_dict.pt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(p))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, '}', '.'});
            zip.closeEntry();
        }
        assertMentions(error(p), "state_dict.pt", "cannot unpickle");
    }

    @Test
    void incompleteHuggingFaceDirectories() throws IOException {
        Path noConfig = Files.createDirectories(dir.resolve("hf-noconfig"));
        Files.copy(TinyModels.hfDir().resolve("model.safetensors"), noConfig.resolve("model.safetensors"));
        assertMentions(error(noConfig), "config.json");
        Path binOnly = Files.createDirectories(dir.resolve("hf-bin"));
        Files.writeString(binOnly.resolve("config.json"), "{}");
        Files.writeString(binOnly.resolve("pytorch_model.bin"), "x");
        assertMentions(error(binOnly), "pytorch_model.bin", "not a recognised CLIP checkpoint");
        Path badConfig = Files.createDirectories(dir.resolve("hf-badconfig"));
        Files.copy(TinyModels.hfDir().resolve("model.safetensors"), badConfig.resolve("model.safetensors"));
        Files.writeString(badConfig.resolve("config.json"), "{\"vision_config\": {\"hidden_act\": \"swish\"}}");
        assertMentions(error(badConfig), "hidden_act", "swish");
    }

    @Test
    void shardedHuggingFaceDirectoryLoads() throws IOException {
        Map<String, Tensor> all = Safetensors.read(TinyModels.hfDir().resolve("model.safetensors"));
        Map<String, Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        Map<String, Object> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            boolean text = e.getKey().startsWith("text_model.");
            (text ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), text ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Path dir2 = Files.createDirectories(dir.resolve("hf-sharded"));
        Files.copy(TinyModels.hfDir().resolve("config.json"), dir2.resolve("config.json"));
        writeSafetensors(dir2.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        writeSafetensors(dir2.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        Files.writeString(dir2.resolve("model.safetensors.index.json"), TestJson.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        ClipModel m = ClipModel.load(dir2);
        long[] ids = TinyModels.tokenIds();
        float[] txt = m.encodeTexts(ids, ids.length / 77, 77);
        float[] want = TinyModels.textEmbeds().data();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], txt[i], 1e-4);
        assertEquals(2, CheckpointFormat.weightFiles(dir2).size());
        Files.delete(dir2.resolve("model-00002-of-00002.safetensors"));
        assertMentions(error(dir2), "model-00002-of-00002.safetensors is missing");
    }

    @Test
    void wrongFileUnderARegistryNameIsCaught() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Files.copy(TinyModels.openClipFile(), cache.resolve("ViT-B-32.pt"));
        Path texts = Files.writeString(dir.resolve("t.txt"), "a cat\n");
        java.io.PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true));
        try {
            assertEquals(2, Main.run("embed", "--model", "ViT-B-32", "--cache-dir", cache.toString(), "--texts", texts.toString(),
                    "--out", dir.resolve("o.npy").toString()));
        } finally {
            System.setErr(old);
        }
        assertMentions(err.toString(), "ViT-B-32.pt: sha256", "is not the published 40d36571", "fetch-model ViT-B-32");
    }

    @Test
    void registryEntryRejectsACheckpointOfOtherSizes() {
        ClipConfig tiny = ClipModel.load(TinyModels.openClip()).config();
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> ModelRegistry.require("ViT-L-14").check(tiny, "x.pt"));
        assertMentions(e.getMessage(), "registry model ViT-L-14 expects 224 px and 768");
    }
}
