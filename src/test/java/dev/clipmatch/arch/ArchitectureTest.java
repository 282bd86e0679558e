package dev.clipmatch.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.clipmatch.cli.BenchMain;
import dev.clipmatch.cli.Main;
import dev.clipmatch.io.ArchViolations;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.cuda.CudaBackend;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.pipeline.Sweep;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/ARCHITECTURE.md as rules on the shipped classes, and proof that each rule catches a violation: the
 * deliberately bad classes of {@link ArchViolations} (test sources, never shipped) break them.
 */
class ArchitectureTest {
    static final ArchRule LIBRARY_WITHOUT_CLI = noClasses().that().resideOutsideOfPackage("dev.clipmatch.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.clipmatch.cli..")
            .because("the library is embedded without its command line; the CLI alone knows flags and exit codes");

    static final ArchRule BUILDING_BLOCKS_BELOW_MODEL = noClasses()
            .that().resideInAnyPackage("dev.clipmatch.kernels..", "dev.clipmatch.eval..", "dev.clipmatch.tokenizer..",
                    "dev.clipmatch.image..", "dev.clipmatch.io..", "dev.clipmatch.data..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.clipmatch.model..", "dev.clipmatch.pipeline..")
            .because("kernels, eval, tokenizer, image, io and data sit below the model and the pipelines");

    static final ArchRule CPU_PATH_WITHOUT_CUDA_TYPES = noClasses().that().resideOutsideOfPackage("dev.clipmatch.kernels.cuda..")
            .should().dependOnClassesThat().resideInAPackage("dev.clipmatch.kernels.cuda..")
            .because("CUDA classes are reached by name only (Backends.select), so the CPU path never loads them or the CUDA libraries");

    private static final JavaClasses SHIPPED = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.clipmatch");

    @Test
    void libraryDoesNotDependOnTheCli() {
        LIBRARY_WITHOUT_CLI.check(SHIPPED);
    }

    @Test
    void buildingBlocksDoNotDependOnModelOrPipeline() {
        BUILDING_BLOCKS_BELOW_MODEL.check(SHIPPED);
    }

    @Test
    void cpuPathDoesNotReferenceCudaTypes() {
        CPU_PATH_WITHOUT_CUDA_TYPES.check(SHIPPED);
    }

    @Test
    void theShippedClassesWereFound() {
        // A wrong package name would make every rule above pass vacuously.
        assertTrue(SHIPPED.contain(Main.class) && SHIPPED.contain(CpuBackend.class) && SHIPPED.contain(CudaBackend.class), "classes imported: " + SHIPPED.size());
    }

    @Test
    void benchmarksAreNotShipped() {
        // src/bench/java is compiled with the tests (tools/bench runs it), never into target/classes and the jar.
        assertTrue(SHIPPED.stream().noneMatch(c -> c.getSimpleName().contains("Bench")),
                "bench classes among the shipped ones: " + SHIPPED.stream().filter(c -> c.getSimpleName().contains("Bench")).toList());
        assertTrue(new ClassFileImporter().importClasses(BenchMain.class).contain(BenchMain.class));
    }

    @Test
    void eachRuleCatchesAViolation() {
        assertViolatedBy(LIBRARY_WITHOUT_CLI, "ArchViolations$LibraryUsingCli", ArchViolations.LibraryUsingCli.class, Main.class);
        assertViolatedBy(BUILDING_BLOCKS_BELOW_MODEL, "ArchViolations$IoUsingModel", ArchViolations.IoUsingModel.class, ClipModel.class);
        assertViolatedBy(BUILDING_BLOCKS_BELOW_MODEL, "ArchViolations$IoUsingPipeline", ArchViolations.IoUsingPipeline.class, Sweep.class);
        assertViolatedBy(CPU_PATH_WITHOUT_CUDA_TYPES, "ArchViolations$CpuPathUsingCuda", ArchViolations.CpuPathUsingCuda.class, CudaBackend.class);
    }

    private static void assertViolatedBy(ArchRule rule, String offender, Class<?>... classes) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(classes));
        assertTrue(result.hasViolation(), rule.getDescription() + " did not catch " + offender);
        assertTrue(result.getFailureReport().toString().contains(offender), result.getFailureReport().toString());
    }
}
