package dev.clipmatch.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.kernels.CpuBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {
    static final int[] KS = {1, 5, 10};

    @TempDir
    Path dir;

    @Test
    void aModelAgainstItselfTiesEverywhere() {
        EvaluatorTest.Data d = EvaluatorTest.data(4, 60, 16, 2.0);
        EmbeddingSource clip = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend());
        Comparison c = Comparison.run(clip, clip.toMatrix(), 0.0, KS, new int[] {10, 30}, 20, 1, EvaluatorTest.QUIET);
        assertEquals(c.clip(), c.external());
        for (PairedComparison p : c.paired()) {
            assertEquals(20, p.rsum().ties());
            assertEquals(0.0, p.imageToText().get("R@1").difference().mean());
        }
        // weight 0 keeps only z(CLIP), a monotone map of CLIP's scores
        assertEquals(c.clip().imageToText(), c.fused().imageToText());
    }

    @Test
    void aWorseModelLosesAndWinsAreCounted() {
        EvaluatorTest.Data d = EvaluatorTest.data(8, 80, 16, 1.0);
        EmbeddingSource clip = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend());
        MatrixSource m = clip.toMatrix();
        float[] noisy = m.scores().clone();
        java.util.Random rng = new java.util.Random(2);
        for (int i = 0; i < noisy.length; i++) noisy[i] += (float) rng.nextGaussian() * 0.5f;
        PairedComparison p = PairedComparison.run(m, new MatrixSource(noisy, m.images(), m.captions(), m.captionImage()), 20, 30, 0, KS);
        assertTrue(p.rsum().difference().mean() > 0, "CLIP beats its noisy copy");
        assertEquals(30, p.rsum().aWins() + p.rsum().bWins() + p.rsum().ties());
        assertTrue(p.rsum().aWins() > p.rsum().bWins());
    }

    @Test
    void reportFilesRender() throws Exception {
        EvaluatorTest.Data d = EvaluatorTest.data(3, 40, 8, 2.0);
        Evaluation e = Evaluator.evaluate(new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend()), KS, new int[] {5, 20}, 10, 0, EvaluatorTest.QUIET);
        Path png = dir.resolve("recall.png");
        RecallPlot.write(png, e, "test");
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(1100, img.getWidth());
        String md = EvalReport.markdown("t", e, null, null, java.util.List.of());
        assertTrue(md.contains("| clip | image→text |") && md.contains("## Sampled protocol"), md);
    }
}
