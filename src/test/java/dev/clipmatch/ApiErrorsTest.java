package dev.clipmatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clipmatch.data.Dataset;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.kernels.Backends;
import dev.clipmatch.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Java API caller gets for bad input: the typed subclass of {@link ClipMatchException} it can branch on, a
 * message naming the file in domain words and no command-line flag, and the remedy a front end may name its own way.
 */
class ApiErrorsTest {
    @TempDir
    Path dir;

    private static <T extends ClipMatchException> T assertTyped(Class<T> type, Executable call) {
        T e = assertThrows(type, call);
        assertFalse(e.getMessage().contains("--"), "a library message names no flag: " + e.getMessage());
        return e;
    }

    private ClipMatch tinyModel() {
        return ClipMatch.load(TinyModels.openClip().toString(),
                new ClipMatch.Options(dir, TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), null, 1, "cpu"));
    }

    @Test
    void badCheckpointIsACheckpointException() throws Exception {
        Path notAModel = Files.writeString(dir.resolve("model.pt"), "not a checkpoint");
        CheckpointException e = assertTyped(CheckpointException.class, () -> ClipMatch.load(notAModel.toString(), ClipMatch.Options.defaults()));
        assertTrue(e.getMessage().startsWith(notAModel.toString()), e.getMessage());
        assertTyped(CheckpointException.class, () -> ClipMatch.load("no-such-model", new ClipMatch.Options(dir, null, null, 1, "cpu")));
    }

    @Test
    void tooLongTextIsATextTooLongExceptionWithTheTruncateRemedy() {
        String longText = "a photo of a cat ".repeat(40);
        TextTooLongException e = assertTyped(TextTooLongException.class, () -> tinyModel().encodeTexts(List.of("a dog", longText), false));
        assertEquals(Optional.of(ClipMatchException.Remedy.TRUNCATE), e.remedy());
        assertEquals(2, tinyModel().encodeTexts(List.of("a dog", longText), true).rows());
    }

    @Test
    void unreadableImageIsAnImageException() throws Exception {
        Path bad = Files.write(dir.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x01});
        ImageException e = assertTyped(ImageException.class, () -> tinyModel().encodeImages(List.of(bad)));
        assertTrue(e.getMessage().contains("broken.jpg"), e.getMessage());
    }

    @Test
    void badDataFilesAreInputFileExceptions() throws Exception {
        Path npy = Files.writeString(dir.resolve("x.npy"), "not numpy");
        assertTrue(assertTyped(InputFileException.class, () -> EvalInputs.embeddings(npy)).getMessage().startsWith(npy.toString()));
        InputFileException uneven = assertTyped(InputFileException.class, () -> EvalInputs.defaultCaptionImage(3, 7));
        assertEquals(Optional.of(ClipMatchException.Remedy.CAPTION_IMAGE_MAPPING), uneven.remedy());
    }

    @Test
    void settingsOutOfRangeNameNoFlag() {
        Dataset d = new Dataset("d", List.of("a.jpg"), List.of("a cat"), new long[] {0});
        assertTyped(ClipMatchException.class, () -> d.firstCaptions(0));
        assertTyped(ClipMatchException.class, () -> Backends.select("tpu", System.err));
    }

    @Test
    void cudaWithoutAGpuIsUnsupportedWithTheCpuRemedy() {
        UnsupportedFeatureException e;
        try {
            Backends.select("cuda", System.err);
            assumeTrue(false, "a CUDA GPU answered: nothing to refuse");
            return;
        } catch (UnsupportedFeatureException refused) {
            e = refused;
        }
        assertFalse(e.getMessage().contains("--"), e.getMessage());
        assertEquals(Optional.of(ClipMatchException.Remedy.CPU_DEVICE), e.remedy());
    }
}
