package dev.clipmatch.eval;

import dev.clipmatch.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * recall.png: Recall@K against sample size (log scale) with ±1 std error bars, one panel per direction; the
 * full set is the last point. Drawn with Java2D, headless.
 */
public final class RecallPlot {
    private static final int W = 1100, H = 480, PANEL = W / 2;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};

    private RecallPlot() {}

    /** Loads Java2D and its fonts on a background thread (a few hundred ms), so that a later {@link #write} is quick. */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            System.setProperty("java.awt.headless", "true");
            Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString("0", 0, 8);
            g.dispose();
        }, "clipmatch-plot-warm-up");
        t.setDaemon(true);
        t.start();
    }

    public static void write(Path file, Evaluation e, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString(title, 20, 22);
        panel(g, 0, "image \u2192 text", e, true);
        panel(g, PANEL, "text \u2192 image", e, false);
        g.dispose();
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
    }

    private static void panel(Graphics2D g, int x0, String label, Evaluation e, boolean i2t) {
        int left = x0 + 60, right = x0 + PANEL - 20, top = 50, bottom = H - 60;
        List<Integer> sizes = new ArrayList<>();
        for (SampledResult s : e.sampled()) sizes.add(s.images());
        sizes.add(e.images());
        double lo = Math.log10(Math.max(1, sizes.stream().mapToInt(Integer::intValue).min().orElse(1))) - 0.15;
        double hi = Math.log10(e.images()) + 0.15;
        java.util.function.DoubleUnaryOperator px = n -> left + (Math.log10(n) - lo) / (hi - lo) * (right - left);
        java.util.function.DoubleUnaryOperator py = r -> bottom - r / 100.0 * (bottom - top);
        g.setStroke(new BasicStroke(1f));
        g.setColor(new Color(0xdddddd));
        for (int r = 0; r <= 100; r += 20) g.drawLine(left, (int) py.applyAsDouble(r), right, (int) py.applyAsDouble(r));
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString(label, left + 5, top - 8);
        for (int r = 0; r <= 100; r += 20) g.drawString(String.valueOf(r), left - 28, (int) py.applyAsDouble(r) + 5);
        for (int n : sizes) {
            int x = (int) px.applyAsDouble(n);
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(n == e.images() ? n + " (all)" : String.valueOf(n), x - 12, bottom + 18);
        }
        g.drawString("images in sample (log scale)", (left + right) / 2 - 80, H - 18);
        Map<Integer, Double> full = (i2t ? e.imageToText() : e.textToImage()).recall();
        int series = 0;
        for (int k : full.keySet()) {
            Color c = COLORS[series % COLORS.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2f));
            double prevX = Double.NaN, prevY = Double.NaN;
            for (int i = 0; i < sizes.size(); i++) {
                double mean, std;
                if (i < e.sampled().size()) {
                    SampledResult.Stat st = (i2t ? e.sampled().get(i).imageToText() : e.sampled().get(i).textToImage()).get("R@" + k);
                    mean = st.mean();
                    std = st.std();
                } else {
                    mean = full.get(k);
                    std = 0;
                }
                double x = px.applyAsDouble(sizes.get(i)), y = py.applyAsDouble(mean);
                if (!Double.isNaN(prevX)) g.drawLine((int) prevX, (int) prevY, (int) x, (int) y);
                g.fillOval((int) x - 4, (int) y - 4, 8, 8);
                if (std > 0) {
                    int y1 = (int) py.applyAsDouble(Math.min(100, mean + std)), y2 = (int) py.applyAsDouble(Math.max(0, mean - std));
                    g.setStroke(new BasicStroke(1f));
                    g.drawLine((int) x, y1, (int) x, y2);
                    g.drawLine((int) x - 4, y1, (int) x + 4, y1);
                    g.drawLine((int) x - 4, y2, (int) x + 4, y2);
                    g.setStroke(new BasicStroke(2f));
                }
                prevX = x;
                prevY = y;
            }
            g.fillRect(right - 70, top + 10 + 16 * series, 14, 3);
            g.drawString("R@" + k, right - 52, top + 16 + 16 * series);
            series++;
        }
    }
}
