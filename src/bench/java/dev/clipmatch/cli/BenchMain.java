package dev.clipmatch.cli;

import picocli.CommandLine.Command;

/**
 * Entry point of the benchmark commands, which are not part of the shipped CLI: the harnesses in tools/ run them
 * through tools/bench (test-scope classes, next to target/classes).
 */
@Command(name = "clipmatch-bench", mixinStandardHelpOptions = true, description = "Benchmark harness commands (see tools/bench_*.py).",
        subcommands = {BenchEvalCommand.class, BenchModelCommand.class})
public final class BenchMain {
    public static void main(String[] args) {
        System.exit(Cli.commandLine(new BenchMain()).execute(args));
    }
}
