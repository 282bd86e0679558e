package dev.clipmatch.cli;

import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the registry (models/*.json) and whether each checkpoint is in the cache. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List the known CLIP models and whether they are downloaded.")
public final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        Path cache = cacheDirOption.resolved();
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        if (!json) out.printf("%-14s %-30s %6s %6s  %-10s %s%n", "NAME", "ALIASES", "INPUT", "DIM", "CACHED", "PREPROCESS");
        for (ModelEntry e : ModelRegistry.all()) {
            Path file = cache.resolve(e.file());
            boolean cached = Files.isRegularFile(file);
            if (json) {
                rows.add(new Row(e.name(), e.aliases(), e.description(), e.imageResolution(), e.embedDim(), e.format(), e.preprocess(), e.url(),
                        e.sha256(), file.toString(), cached));
            } else {
                out.printf("%-14s %-30s %6d %6d  %-10s %s%n", e.name(), String.join(",", e.aliases()), e.imageResolution(), e.embedDim(),
                        cached ? "yes" : "no", e.preprocess());
            }
        }
        if (json) out.print(JsonFiles.pretty(rows));
        else out.println("cache: " + cache);
        out.flush();
        return 0;
    }

    /** One model of --json. */
    record Row(String name, List<String> aliases, String description, int imageResolution, int embedDim, String format, String preprocess,
            String url, String sha256, String path, boolean cached) {}
}
