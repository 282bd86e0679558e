package dev.clipmatch.cli;

import dev.clipmatch.io.Downloader;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Downloads a registry model and its tokenizer file into the cache, verified by sha256, resuming partial files. */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
        description = "Download a model checkpoint and its tokenizer vocabulary into the cache (sha256-verified, resumable).")
public final class FetchModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Registry name or alias (see 'clipmatch models').")
    String name;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Override
    public Integer call() {
        ModelEntry entry = ModelRegistry.require(name);
        Path cache = cacheDirOption.resolved();
        PrintStream err = System.err;
        PrintWriter out = spec.commandLine().getOut();
        Downloader dl = new Downloader(err);
        fetch(dl, entry.checkpoint(), cache, err, out);
        if (entry.tokenizer() != null) fetch(dl, entry.tokenizer(), cache, err, out);
        out.flush();
        return 0;
    }

    private static void fetch(Downloader dl, ModelEntry.RemoteFile f, Path cache, PrintStream err, PrintWriter out) {
        Path target = cache.resolve(f.file());
        Downloader.Outcome o = dl.fetch(f.url(), f.sha256(), target);
        err.println("clipmatch: " + target + (o == Downloader.Outcome.ALREADY_PRESENT ? " already present (sha256 verified)" : " downloaded (sha256 verified)"));
        out.println(target);
    }
}
