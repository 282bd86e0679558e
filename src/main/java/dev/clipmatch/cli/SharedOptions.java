package dev.clipmatch.cli;

import dev.clipmatch.image.OnError;
import dev.clipmatch.io.CacheDir;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
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
