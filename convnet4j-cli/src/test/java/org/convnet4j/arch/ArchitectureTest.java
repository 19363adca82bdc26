package org.convnet4j.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture docs/ARCHITECTURE.md draws, checked on the compiled classes of every module: no cycles
 * between packages, the module arrows exactly as the document lists them, the Vector API only in
 * {@code tensor.kernels}, and library modules that never print to the console.
 */
class ArchitectureTest {
    private static final Path DOC = Path.of("..", "docs", "ARCHITECTURE.md");
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        // core's test-jar (shared test support) is on this module's test class path: its classes are tests too
        ImportOption noTestJars = location -> !location.contains("-tests.jar");
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(noTestJars).importPackages("org.convnet4j");
    }

    @Test
    void noCyclesBetweenPackages() {
        // top-level packages (nn with nn.layers and nn.init, train with its optimisers and losses) are the units
        slices().matching("org.convnet4j.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void moduleArrowsAreThoseOfTheArchitectureDocument() throws IOException {
        Map<String, Set<String>> documented = documentedArrows();
        // convnet4j-spark is listed but not on this module's class path (it needs Spark): its arrows are the
        // dependencies its pom declares, core and charts
        assertEquals(Set.of("convnet4j-core", "convnet4j-io", "convnet4j-ml", "convnet4j-serve", "convnet4j-charts",
                        "convnet4j-cli", "convnet4j-spark", "convnet4j-bench"),
                documented.keySet(), "docs/ARCHITECTURE.md lists the arrows of every module");
        Map<String, Set<String>> actual = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = module(c);
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass().getBaseComponentType();
                if (!target.getPackageName().startsWith("org.convnet4j")) {
                    continue;
                }
                String to = module(target);
                if (!to.equals(from)) {
                    actual.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                }
            }
        }
        actual.forEach((from, targets) -> assertTrue(documented.get(from).containsAll(targets),
                from + " depends on " + targets + " but docs/ARCHITECTURE.md allows only " + documented.get(from)));
    }

    @Test
    void onlyTheKernelsTouchTheVectorApi() {
        noClasses().that().resideOutsideOfPackage("org.convnet4j.tensor.kernels..")
                .should().dependOnClassesThat().resideInAPackage("jdk.incubator.vector..")
                .check(classes);
    }

    @Test
    void librariesNeverPrintToTheConsole() {
        noClasses().that().resideInAnyPackage(libraryPackages())
                .should().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .because("a library logs through System.Logger; the application owns stdout and stderr")
                .check(classes);
    }

    @Test
    void nnDependsOnNoPackageAboveIt() {
        noClasses().that().resideInAPackage("org.convnet4j.nn..")
                .should().dependOnClassesThat().resideInAnyPackage("org.convnet4j.transfer..", "org.convnet4j.fusion..",
                        "org.convnet4j.model..", "org.convnet4j.train..", "org.convnet4j.run..", "org.convnet4j.zoo..")
                .check(classes);
    }

    /**
     * Packages that are not part of the public API: free to change in any release (docs/ARCHITECTURE.md,
     * "Exported and internal"). Everything else under org.convnet4j is exported.
     */
    static final String[] INTERNAL_PACKAGES = {"org.convnet4j.internal..", "org.convnet4j.tensor.kernels.internal..",
        "org.convnet4j.run.internal..", "org.convnet4j.cli..", "org.convnet4j.bench..", "org.convnet4j.spark.cli.."};

    @Test
    void exportedSignaturesNeverMentionGson() {
        classes().that().resideOutsideOfPackages(INTERNAL_PACKAGES).and(visibleOutside())
                .should(new ArchCondition<JavaClass>("expose no com.google.gson type in a public or protected signature") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        for (JavaMember m : c.getMembers()) {
                            if (!m.getModifiers().contains(JavaModifier.PUBLIC)
                                    && !m.getModifiers().contains(JavaModifier.PROTECTED)) {
                                continue;
                            }
                            List<JavaType> types = new ArrayList<>();
                            if (m instanceof JavaField f) {
                                types.add(f.getType());
                            } else if (m instanceof JavaCodeUnit u) {
                                types.add(u.getReturnType());
                                types.addAll(u.getParameterTypes());
                            }
                            for (JavaType t : types) {
                                for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                                    if (raw.getPackageName().startsWith("com.google.gson")) {
                                        events.add(SimpleConditionEvent.violated(m, m.getFullName() + " mentions "
                                                + raw.getName() + " (give or take JSON text; Gson stays in"
                                                + " org.convnet4j.internal.json)"));
                                    }
                                }
                            }
                        }
                    }
                })
                .allowEmptyShould(false)
                .check(classes);
    }

    /**
     * Public constructors and methods of exported packages with two or more boolean parameters, allowed: the
     * kernels' BLAS-style calls (transA/transB as in every BLAS) and records whose components are named and that
     * offer named factories or a builder (ZooOptions.builder(), KerasWeights.Options.byName/byTopology,
     * TransferOptions.forClasses(...).with..., the weights catalogue's rows, the download cache's listing rows
     * (Downloads.CachedFile: made by Downloads when it lists the cache, read by callers, never built by them)).
     */
    static final Set<String> BOOLEAN_PAIRS_ALLOWED = Set.of(
            "org.convnet4j.tensor.kernels.Kernels.sgemm", "org.convnet4j.tensor.kernels.Kernels.sgemmSingleThread",
            "org.convnet4j.tensor.kernels.Kernels.sgdUpdate", "org.convnet4j.tensor.kernels.VectorKernels.sgemm",
            "org.convnet4j.tensor.kernels.VectorKernels.sgemmSingleThread", "org.convnet4j.tensor.kernels.VectorKernels.sgdUpdate",
            "org.convnet4j.tensor.kernels.ScalarKernels.sgemm", "org.convnet4j.tensor.kernels.ScalarKernels.sgemmSingleThread",
            "org.convnet4j.tensor.kernels.ScalarKernels.sgdUpdate",
            // BLAS's transA/transB pair, as sgemm's
            "org.convnet4j.tensor.kernels.Kernels.sgemmRows", "org.convnet4j.tensor.kernels.Kernels.sgemmRowsThreaded",
            "org.convnet4j.tensor.kernels.VectorKernels.sgemmRows",
            "org.convnet4j.tensor.kernels.VectorKernels.sgemmRowsThreaded",
            "org.convnet4j.zoo.ZooOptions.<init>", "org.convnet4j.io.keras.KerasWeights$Options.<init>",
            "org.convnet4j.io.weights.WeightsCatalogue$Entry.<init>", "org.convnet4j.transfer.TransferOptions.<init>",
            "org.convnet4j.io.weights.Downloads$CachedFile.<init>");

    @Test
    void publicSignaturesTakeNoPositionalBooleanPairs() {
        classes().that().resideOutsideOfPackages(INTERNAL_PACKAGES).and(visibleOutside())
                .should(new ArchCondition<JavaClass>("take no two boolean parameters in a public signature unless deprecated") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        for (JavaCodeUnit u : c.getCodeUnits()) {
                            if (!u.getModifiers().contains(JavaModifier.PUBLIC) && !u.getModifiers().contains(JavaModifier.PROTECTED)
                                    || u.isAnnotatedWith(Deprecated.class)
                                    || BOOLEAN_PAIRS_ALLOWED.contains(c.getName() + "." + u.getName())) {
                                continue;
                            }
                            long booleans = u.getRawParameterTypes().stream().filter(t -> t.getName().equals("boolean")).count();
                            if (booleans >= 2) {
                                events.add(SimpleConditionEvent.violated(u, u.getFullName() + " takes " + booleans
                                        + " boolean parameters: give them names (an enum, an options object or a"
                                        + " builder) and deprecate this form"));
                            }
                        }
                    }
                })
                .allowEmptyShould(false)
                .check(classes);
    }

    @Test
    void internalPackagesAreTheOnesTheArchitectureDocumentNames() throws IOException {
        String doc = Files.readString(DOC);
        for (String p : INTERNAL_PACKAGES) {
            String name = p.substring("org.convnet4j.".length(), p.length() - 2);
            assertTrue(doc.contains("`" + name + "`"), "docs/ARCHITECTURE.md names the internal package " + name);
        }
        for (JavaClass c : classes) {
            String pkg = c.getPackageName();
            if (pkg.contains(".internal") && !pkg.startsWith("org.convnet4j.internal")
                    && !pkg.startsWith("org.convnet4j.tensor.kernels.internal")
                    && !pkg.startsWith("org.convnet4j.run.internal")) {
                fail(c.getName() + " lives in an internal package the list above does not hold");
            }
        }
    }

    /**
     * Lines a source file of a command line may have (convnet4j-cli, and convnet4j-spark's {@code spark.cli}): the
     * command line only parses options and prints, so a command that grows past this is doing library work (move it
     * to a library object; docs/ARCHITECTURE.md). Lowered as the commands were thinned (issue 14: the largest was
     * 310 lines, then 242, now under 200); lower it again, never raise it.
     */
    static final int CLI_FILE_LINE_BUDGET = 200;

    @Test
    void cliSourceFilesStayWithinTheirLineBudget() throws IOException {
        assertWithinLineBudget(Path.of("src", "main", "java"), 20);
    }

    @Test
    void sparkCliSourceFilesStayWithinTheirLineBudget() throws IOException {
        // convnet4j-spark is not on this module's class path (it needs Spark), but its sources are in the same tree
        assertWithinLineBudget(Path.of("..", "convnet4j-spark", "src", "main", "java", "org", "convnet4j", "spark",
                "cli"), 5);
    }

    private static void assertWithinLineBudget(Path sources, int atLeastFiles) throws IOException {
        List<String> over = new ArrayList<>();
        int files = 0;
        try (var walk = Files.walk(sources)) {
            for (Path f : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".java"))::iterator) {
                files++;
                long lines;
                try (var l = Files.lines(f)) {
                    lines = l.count();
                }
                if (lines > CLI_FILE_LINE_BUDGET) {
                    over.add(sources.relativize(f) + " (" + lines + " lines)");
                }
            }
        }
        assertTrue(files >= atLeastFiles, "found the command line's sources under " + sources.toAbsolutePath());
        assertTrue(over.isEmpty(), sources + ": files over " + CLI_FILE_LINE_BUDGET + " lines (the command line only"
                + " parses options and prints; move the rest into a library object): " + over);
    }

    /** A public class whose enclosing classes are public too: code outside its package can name it. */
    private static DescribedPredicate<JavaClass> visibleOutside() {
        return new DescribedPredicate<>("visible outside their package") {
            @Override
            public boolean test(JavaClass c) {
                for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
                    if (!k.getModifiers().contains(JavaModifier.PUBLIC)) {
                        return false;
                    }
                }
                return !c.isAnonymousClass() && !c.isLocalClass();
            }
        };
    }

    private static String[] libraryPackages() {
        return new String[] {"org.convnet4j.tensor..", "org.convnet4j.ops..", "org.convnet4j.vision..",
            "org.convnet4j.image..", "org.convnet4j.nn..", "org.convnet4j.train..", "org.convnet4j.data..",
            "org.convnet4j.checkpoint..", "org.convnet4j.model..", "org.convnet4j.zoo..", "org.convnet4j.transfer..",
            "org.convnet4j.fusion..", "org.convnet4j.util..", "org.convnet4j.run..", "org.convnet4j.io..",
            "org.convnet4j.imagenet..", "org.convnet4j.ml..", "org.convnet4j.benchmark..", "org.convnet4j.charts.."};
    }

    /** The module a class was compiled in, from where its class file lives (…/convnet4j-core/target/classes). */
    private static String module(JavaClass c) {
        String location = c.getSource().map(s -> s.getUri().toString()).orElse("");
        Matcher m = Pattern.compile("(convnet4j-[a-z]+)/target/").matcher(location);
        if (m.find()) {
            return m.group(1);
        }
        m = Pattern.compile("(convnet4j-[a-z]+)-[0-9][^/]*\\.jar").matcher(location);
        assertTrue(m.find(), "cannot tell the module of " + c.getName() + " from " + location);
        return m.group(1);
    }

    /** The lines "convnet4j-x -> convnet4j-y, convnet4j-z" (or "-> nothing") of the document's arrows block. */
    private static Map<String, Set<String>> documentedArrows() throws IOException {
        String doc = Files.readString(DOC);
        Map<String, Set<String>> out = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^(convnet4j-[a-z]+)\\s+->\\s+(.*)$").matcher(doc);
        while (m.find()) {
            Set<String> targets = new TreeSet<>();
            for (String t : m.group(2).split(",")) {
                String name = t.trim();
                if (!name.isEmpty() && !name.equals("nothing")) {
                    assertTrue(name.startsWith("convnet4j-"), "arrow target '" + name + "' in docs/ARCHITECTURE.md");
                    targets.add(name);
                }
            }
            assertFalse(out.containsKey(m.group(1)), m.group(1) + " listed twice in docs/ARCHITECTURE.md");
            out.put(m.group(1), targets);
        }
        return out;
    }
}
