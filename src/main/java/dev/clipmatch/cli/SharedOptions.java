package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.pipeline.OnError;
import dev.clipmatch.io.CacheDir;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options several commands share, declared once as picocli mixins ({@code @Mixin}). */
final class SharedOptions {
    private SharedOptions() {}

    /** Where the scoring kernels run. */
    enum Device {
        AUTO,
        CPU,
        CUDA;

        /** The library's spelling ({@code Backends.select}, {@code ClipMatch.Options}). */
        String spelling() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final class DeviceOption {
        @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda", converter = DeviceConverter.class,
                description = "Scoring kernels: cuda when a GPU answers (auto), cpu or cuda (default: ${DEFAULT-VALUE}).")
        Device device;

        String spelling() {
            return device.spelling();
        }
    }

    static final class OnErrorOption {
        @Option(names = "--on-error", defaultValue = "fail", paramLabel = "skip|fail", converter = OnErrorConverter.class,
                description = "A missing or unreadable image stops the run (fail) or is left out and reported (skip); default: ${DEFAULT-VALUE}.")
        OnError onError;
    }

    static final class CacheDirOption {
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache of models, data and embeddings (default: $CLIPMATCH_CACHE or ~/.cache/clipmatch).")
        Path cacheDir;

        /** The cache root: this option, else the environment's default. */
        Path resolved() {
            return CacheDir.dirOr(cacheDir);
        }
    }

    /** Recall cut-offs and the sampled protocol's repetitions and seed (eval, sweep). */
    static final class ProtocolOptions {
        @Option(names = "--k", split = ",", paramLabel = "K", defaultValue = "1,5,10", description = "Recall cut-offs (default: ${DEFAULT-VALUE}).")
        int[] ks;

        @Option(names = "--iterations", defaultValue = "50", description = "Samples per size (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;

        void check() {
            for (int k : ks) if (k < 1) throw new UserError("--k: every K must be at least 1, got " + k);
            if (iterations < 1) throw new UserError("--iterations must be at least 1, got " + iterations);
        }
    }

    /** Another model's score matrix to compare with, and the optional score fusion (eval, sweep). */
    static final class ComparisonOptions {
        @Option(names = "--similarity", paramLabel = "S.npy",
                description = {"Score matrix [images, captions] (float32/float16) of another model, e.g. NAAF's exported scores:",
                    "evaluated on the same samples as the embeddings and compared pair by pair."})
        Path similarity;

        @Option(names = "--fuse", paramLabel = "W", description = "With --similarity: also evaluate (1-W)*z(CLIP) + W*z(other), scores z-normalised.")
        Double fuse;

        void check() {
            if (fuse != null && !(fuse >= 0 && fuse <= 1)) throw new UserError("--fuse must be between 0 and 1, got " + fuse);
        }
    }

    /** What a command that loads a model to encode and score needs besides the model (match, search, sweep). */
    static final class EncoderOptions {
        @Mixin
        VocabOption vocab;

        @Mixin
        CacheDirOption cacheDir;

        @Mixin
        DeviceOption device;

        @Mixin
        ArchOption arch;

        ClipMatch.Options options(Integer threads) {
            return new ClipMatch.Options(cacheDir.cacheDir, vocab.vocab, null, threads, device.spelling(), arch.arch);
        }
    }

    static final class ArchOption {
        @Option(names = "--arch", paramLabel = "NAME", description = "open_clip architecture of a bare state dict (.safetensors / .bin), which "
                + "cannot tell its own activation, heads or pooling: a model name (e.g. ViT-B-32, ViT-B-32-quickgelu) or an open_clip config .json.")
        String arch;
    }

    static final class VocabOption {
        @Option(names = "--vocab", paramLabel = "PATH", description = "Tokenizer vocabulary (default: next to the checkpoint, else in the cache).")
        Path vocab;
    }

    static final class ThreadsOption {
        @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default 0: one per core).")
        int threads;

        int checked() {
            if (threads < 0) throw new UserError("--threads must be at least 1");
            return threads;
        }
    }

    /**
     * A flag's value that is not one of its choices, with the message the CLI prints as it is (picocli would otherwise
     * prefix it with "Invalid value for option").
     */
    static final class BadChoice extends TypeConversionException {
        private static final long serialVersionUID = 1L;

        BadChoice(String message) {
            super(message);
        }
    }

    static final class DeviceConverter implements ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            try {
                return Device.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadChoice("--device must be auto, cpu or cuda, not '" + value + "'");
            }
        }
    }

    static final class OnErrorConverter implements ITypeConverter<OnError> {
        @Override
        public OnError convert(String value) {
            try {
                return OnError.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadChoice("--on-error must be skip or fail, got \"" + value + "\"");
            }
        }
    }
}
