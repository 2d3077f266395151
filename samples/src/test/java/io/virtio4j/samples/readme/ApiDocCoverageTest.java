package io.virtio4j.samples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;

/**
 * The Javadoc site documents what an embedder can use: every package a library module exports has a
 * {@code package-info.java} with a description, and every public or protected type, constructor
 * (an implicit default constructor counts as undocumented), method, field and enum constant in one has a
 * doc comment. Methods marked {@code @Override} inherit theirs. {@code @param}/{@code @return} tags are
 * not required. The sources are parsed with javac's tree API, without compiling.
 *
 * <p>Modules in {@link #CEILINGS} still have undocumented members: their count may only go down (lower
 * the ceiling when it does); every other library module must have none.
 */
class ApiDocCoverageTest {
    private static final List<String> MODULES = List.of("virtio-api", "vring-impl", "backend-spi", "backend-tap",
            "backend-vhostnet", "backend-vhostuser", "switch-ovs");
    /** Undocumented public members allowed per module, today's count: only ever lowered. */
    private static final Map<String, Integer> CEILINGS = Map.of("switch-ovs", 30);
    private static final Pattern EXPORTS = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;");
    private static final Path ROOT = repositoryRoot();

    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    @Test
    void everyExportedPackageAndPublicMemberIsDocumented() throws IOException {
        Map<String, List<String>> missing = new TreeMap<>();
        for (String module : MODULES) {
            missing.put(module, undocumented(ROOT.resolve(module).resolve("src/main/java")));
        }
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : missing.entrySet()) {
            int ceiling = CEILINGS.getOrDefault(e.getKey(), 0);
            int count = e.getValue().size();
            if (count > ceiling) {
                failures.add(e.getKey() + ": " + count + " undocumented (at most " + ceiling + "):\n  "
                        + String.join("\n  ", e.getValue()));
            } else if (count < ceiling) {
                failures.add(e.getKey() + ": " + count + " undocumented: lower its ceiling in ApiDocCoverageTest from "
                        + ceiling + " to " + count);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void theCheckFindsWhatIsUndocumented() throws IOException {
        Path src = Files.createTempDirectory("doc-coverage");
        try {
            Path pkg = Files.createDirectories(src.resolve("p"));
            Files.writeString(src.resolve("module-info.java"), "module m {\n    exports p;\n}\n");
            Files.writeString(pkg.resolve("A.java"), """
                    package p;
                    /** Documented. */
                    public class A {
                        public static final int NO_COMMENT = 1;
                        /** Documented. */
                        public void documented() { }
                        public void bare() { }
                        @Override
                        public String toString() { return ""; }
                        void packagePrivate() { }
                        private static class Hidden { public void inside() { } }
                        /** Documented. */
                        public enum E { /** Documented. */ ONE, TWO }
                    }
                    """);
            List<String> found = undocumented(src);
            assertEquals(List.of("p: no package-info.java", "p.A: implicit default constructor", "p.A.NO_COMMENT", "p.A.bare()",
                    "p.A.E.TWO"), found);
        } finally {
            try (Stream<Path> files = Files.walk(src)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** What lacks a doc comment in the exported packages under {@code sourceRoot}, one line each. */
    static List<String> undocumented(Path sourceRoot) throws IOException {
        List<String> missing = new ArrayList<>();
        Matcher exports = EXPORTS.matcher(Files.readString(sourceRoot.resolve("module-info.java")));
        List<Path> files = new ArrayList<>();
        while (exports.find()) {
            String pkg = exports.group(1);
            Path dir = sourceRoot.resolve(pkg.replace('.', '/'));
            if (!Files.exists(dir.resolve("package-info.java"))) {
                missing.add(pkg + ": no package-info.java");
            }
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> p.toString().endsWith(".java")).sorted().forEach(files::add);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            JavacTask task = (JavacTask) javac.getTask(null, fm, d -> { }, List.of("-proc:none"), null,
                    fm.getJavaFileObjectsFromPaths(files));
            DocTrees trees = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                new Scanner(trees, unit, missing).scan(unit, null);
            }
        }
        return missing;
    }

    /** Walks one file's public API, noting each declaration without a doc comment. */
    private static final class Scanner extends TreePathScanner<Void, Void> {
        private final DocTrees trees;
        private final String pkg;
        private final List<String> missing;
        private final List<String> enclosing = new ArrayList<>();

        Scanner(DocTrees trees, CompilationUnitTree unit, List<String> missing) {
            this.trees = trees;
            this.pkg = unit.getPackageName() == null ? "" : unit.getPackageName().toString();
            this.missing = missing;
            if (unit.getSourceFile().getName().endsWith("package-info.java")
                    && trees.getDocCommentTree(new TreePath(new TreePath(unit), unit.getPackage())) == null) {
                missing.add(pkg + ": package-info.java without a description");
            }
        }

        @Override
        public Void visitClass(ClassTree tree, Void unused) {
            if (!isApi(tree.getModifiers())) {
                return null;
            }
            enclosing.add(tree.getSimpleName().toString());
            check("");
            boolean isClass = tree.getKind() == Tree.Kind.CLASS;
            if (isClass && tree.getMembers().stream().noneMatch(m -> m instanceof MethodTree mt && mt.getName().contentEquals("<init>"))) {
                missing.add(name("") + ": implicit default constructor");
            }
            super.visitClass(tree, unused);
            enclosing.removeLast();
            return null;
        }

        @Override
        public Void visitMethod(MethodTree tree, Void unused) {
            boolean override = tree.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().endsWith("Override"));
            if (isApi(tree.getModifiers()) && !override) {
                String method = tree.getName().contentEquals("<init>") ? enclosing.getLast() : tree.getName().toString();
                check("." + method + "(" + String.join(",", tree.getParameters().stream().map(p -> p.getType().toString()).toList()) + ")");
            }
            return null; // Nothing inside a method body is API.
        }

        @Override
        public Void visitVariable(VariableTree tree, Void unused) {
            if (isApi(tree.getModifiers())) { // enum constants are implicitly public static final
                check("." + tree.getName());
            }
            return null;
        }

        /** Public or protected; in an interface or annotation every member is public unless private. */
        private boolean isApi(ModifiersTree modifiers) {
            Set<Modifier> flags = modifiers.getFlags();
            if (flags.contains(Modifier.PUBLIC) || flags.contains(Modifier.PROTECTED)) {
                return true;
            }
            Tree parent = getCurrentPath().getParentPath().getLeaf();
            return parent instanceof ClassTree owner && !flags.contains(Modifier.PRIVATE)
                    && (owner.getKind() == Tree.Kind.INTERFACE || owner.getKind() == Tree.Kind.ANNOTATION_TYPE);
        }

        private void check(String member) {
            if (trees.getDocCommentTree(getCurrentPath()) == null) {
                missing.add(name(member));
            }
        }

        private String name(String member) {
            return pkg + "." + String.join(".", enclosing) + member;
        }
    }
}
