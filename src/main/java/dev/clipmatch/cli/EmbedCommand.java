package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.InputFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.OutputFiles;
import dev.clipmatch.pipeline.EmbedJob;
import dev.clipmatch.pipeline.EmbedSidecar;
import dev.clipmatch.pipeline.Encoder;
import java.nio.channels.FileChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Encodes images or texts with a CLIP model into a float32 [N, D] .npy and a JSON sidecar. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed images or texts with a CLIP model: float32 [N, D] .npy plus a JSON sidecar (OUT.json).",
            "Encoding goes through the embedding cache that sweep uses, so interrupted runs resume. Prints a JSON summary on stdout."})
public final class EmbedCommand implements Callable<Integer> {
    private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif", "ppm", "pgm");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M",
            description = "Registry name (see 'clipmatch models'; looked up in the cache) or a checkpoint: TorchScript .pt, .safetensors, or a Hugging Face directory.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--images", paramLabel = "FILE|DIR",
                description = "A list file (one image path per line, relative to the list's folder; order kept) or a directory (its images, sorted by name).")
        Path images;

        @Option(names = "--texts", paramLabel = "FILE", description = "UTF-8 text file, one text per line.")
        Path texts;
    }

    @Option(names = "--out", required = true, paramLabel = "X.npy", description = "Output embeddings (the sidecar goes to X.json).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "0", paramLabel = "B", description = "Items per batch (default: 32 images, 128 texts).")
    int batchSize;

    @Option(names = "--normalize", description = "L2-normalise every embedding.")
    boolean normalize;

    @Mixin
    SharedOptions.OnErrorOption onErrorOption;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    @Mixin
    SharedOptions.ArchOption archOption;

    @Mixin
    SharedOptions.VocabOption vocabOption;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Option(names = "--io-threads", defaultValue = "2", paramLabel = "N", description = "Image decoding threads (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--preprocess", paramLabel = "PRESET", description = "Preprocessing preset (models/preprocess/); default: the registry's, else clip-<input size>.")
    String preset;

    @Option(names = "--truncate", description = "Cut texts longer than the context length instead of failing.")
    boolean truncate;

    @Override
    public Integer call() {
        if (batchSize < 0) throw new UserError("--batch-size must be positive");
        if (ioThreads < 1) throw new UserError("--io-threads must be at least 1");
        ClipMatch clip = ClipMatch.load(model, new ClipMatch.Options(cacheDirOption.cacheDir, vocabOption.vocab, preset, threadsOption.checked(), "cpu", archOption.arch));
        EmbedJob.Inputs inputs = input.images != null ? new EmbedJob.Images(input.images, listImages(input.images)) : texts();
        int batch = batchSize > 0 ? batchSize : input.images != null ? Encoder.DEFAULT_IMAGE_BATCH : Encoder.DEFAULT_TEXT_BATCH;
        EmbedJob.Settings settings = new EmbedJob.Settings(new Encoder.Settings(batch, ioThreads, onErrorOption.onError, truncate), normalize);
        List<Path> read = new ArrayList<>(List.of(input.images != null ? input.images : input.texts));
        if (inputs instanceof EmbedJob.Images images) read.addAll(images.paths());
        OutputFiles.refuseInput(out, read);
        OutputFiles.refuseInput(EmbedJob.sidecarPath(out), read);
        OutputFiles.refuseForeign(EmbedJob.sidecarPath(out), List.of("kind", "checkpoint_sha256", "shape"), "clipmatch embedding sidecar");
        EmbedSidecar sidecar;
        try (FileChannel lock = OutputFiles.lock(out)) {
            sidecar = new EmbedJob(clip, cacheDirOption.resolved(), System.err).run(inputs, settings, out);
        } catch (IOException e) {
            throw new UserError(out + ": cannot release its lock (" + e.getMessage() + ")");
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.println(JsonFiles.compact(new Summary(out.toString(), EmbedJob.sidecarPath(out).toString(), sidecar.shape(), sidecar.skipped().size())));
        pw.flush();
        return 0;
    }

    /** The line printed on stdout. */
    record Summary(String out, String sidecar, List<Integer> shape, int skipped) {}

    static List<Path> listImages(Path source) {
        if (Files.isDirectory(source)) {
            try (Stream<Path> s = Files.list(source)) {
                return s.filter(Files::isRegularFile).filter(p -> IMAGE_EXTENSIONS.contains(extension(p))).sorted().toList();
            } catch (IOException e) {
                throw new UserError(source + ": cannot list (" + e.getMessage() + ")");
            }
        }
        List<Path> out = new ArrayList<>();
        Path base = source.toAbsolutePath().getParent();
        List<String> lines = readLines(source);
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty()) continue;
            Path p = Path.of(t);
            out.add(p.isAbsolute() ? p : base.resolve(p).normalize());
        }
        return out;
    }

    private EmbedJob.Texts texts() {
        List<String> lines = readLines(input.texts);
        int[] lineNumbers = new int[lines.size()];
        for (int i = 0; i < lineNumbers.length; i++) lineNumbers[i] = i + 1;
        return new EmbedJob.Texts(input.texts, lines, lineNumbers);
    }

    /** Lines of a UTF-8 file; invalid UTF-8 is an error naming the file and line. */
    private static List<String> readLines(Path file) {
        byte[] bytes = InputFiles.readAll(file, InputFiles.TEXT_LIMIT);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, stop - start)).toString());
            } catch (CharacterCodingException e) {
                throw new UserError(file + ": line " + (lines.size() + 1) + " is not valid UTF-8");
            }
            start = end + 1;
        }
        return lines;
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
