package dev.clipmatch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared real data (../shared/data). Tests that need it call {@link #path}; without it they skip with a
 * visible reason, except in CI ({@code CI=true}), where .ci/run sets CLIPMATCH_TEST_DATA and a missing
 * directory is a failure rather than a silent skip.
 */
public final class TestData {
    private TestData() {}

    public static Path root() {
        String env = System.getenv("CLIPMATCH_TEST_DATA");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of("../shared/data");
        String repo = System.getenv("CLIPMATCH_REPO");
        if (!dir.isAbsolute() && repo != null) dir = Path.of(repo).resolve(dir);
        return dir.normalize();
    }

    /** A file under the shared data; skips the test (with the reason) when it is absent outside CI. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        boolean present = Files.exists(p);
        if (!present && "true".equals(System.getenv("CI")))
            throw new AssertionError("CI requires test data, but " + p + " is missing (CLIPMATCH_TEST_DATA=" + System.getenv("CLIPMATCH_TEST_DATA") + ")");
        assumeTrue(present, "test data not found: " + p + " (set CLIPMATCH_TEST_DATA to the shared data directory)");
        return p;
    }
}
