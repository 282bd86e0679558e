package dev.clipmatch.cli;

import dev.clipmatch.data.KnownDatasets;
import dev.clipmatch.io.Downloader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code clipmatch fetch-data}: the caption files of a standard split, checksum-verified, into the cache. */
@Command(name = "fetch-data", mixinStandardHelpOptions = true,
        description = {"Download a test split's caption file (checksum-verified, resumable) into the cache.",
            "Images are not redistributable: Flickr30K is distributed on request by its authors, COCO val2014 from cocodataset.org;",
            "put them in the folder this command names, or pass --images to sweep."})
public final class FetchDataCommand implements Callable<Integer> {
    @Parameters(paramLabel = "flickr30k|coco")
    String name;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Override
    public Integer call() {
        KnownDatasets.Entry e = KnownDatasets.require(name);
        Path cache = cacheDirOption.resolved();
        Path target = e.captionsIn(cache);
        Downloader.Outcome outcome = new Downloader(System.err).fetch(e.url(), e.sha256(), target);
        System.out.println((outcome == Downloader.Outcome.ALREADY_PRESENT ? "already present: " : "downloaded: ") + target);
        System.out.println("images: put the " + e.name() + " images in " + e.imagesIn(cache) + " (or pass --images DIR to sweep)");
        return 0;
    }
}
