package dev.clipmatch.cli;

import dev.clipmatch.io.Json;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        List<Object> rows = new ArrayList<>();
        if (!json) out.printf("%-14s %-30s %6s %6s  %-10s %s%n", "NAME", "ALIASES", "INPUT", "DIM", "CACHED", "PREPROCESS");
        for (ModelEntry e : ModelRegistry.all()) {
            Path file = cache.resolve(e.file());
            boolean cached = Files.isRegularFile(file);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.name());
                m.put("aliases", e.aliases());
                m.put("description", e.description());
                m.put("image_resolution", e.imageResolution());
                m.put("embed_dim", e.embedDim());
                m.put("format", e.format());
                m.put("preprocess", e.preprocess());
                m.put("url", e.url());
                m.put("sha256", e.sha256());
                m.put("path", file.toString());
                m.put("cached", cached);
                rows.add(m);
            } else {
                out.printf("%-14s %-30s %6d %6d  %-10s %s%n", e.name(), String.join(",", e.aliases()), e.imageResolution(), e.embedDim(),
                        cached ? "yes" : "no", e.preprocess());
            }
        }
        if (json) out.print(Json.pretty(rows));
        else out.println("cache: " + cache);
        out.flush();
        return 0;
    }
}
