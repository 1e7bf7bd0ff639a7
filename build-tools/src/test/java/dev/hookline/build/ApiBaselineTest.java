package dev.hookline.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiBaselineTest {
  private static final String UPDATE = "mvn ... -Dhookline.api.update=true";

  private static final Map<String, String> LIBRARY =
      Map.of(
          "module-info.java",
          "module demo { exports demo.api; exports demo.friends to java.base; }",
          "demo/api/Greeter.java",
          """
          package demo.api;
          import java.util.List;
          public final class Greeter implements Comparable<Greeter> {
            public static final int LIMIT = 3;
            int hidden;
            public Greeter(String name) {}
            Greeter() {}
            public String greet(List<? extends CharSequence> names, int... times) { return ""; }
            public <T extends Number> T first(List<T> all) throws java.io.IOException { return all.get(0); }
            protected void notApiInAFinalClass() {}
            void packagePrivate() {}
            @Override public int compareTo(Greeter o) { return 0; }
            public interface Listener { void heard(String what); default void done() {} }
            static final class Hidden { public void notApi() {} }
          }
          """,
          "demo/api/Base.java",
          """
          package demo.api;
          public abstract class Base extends Secret {
            protected abstract void hook();
            public record Point(int x, java.util.Optional<String> label) {}
          }
          class Secret { public void inherited() {} }
          """,
          "demo/friends/Friend.java",
          "package demo.friends; public class Friend { public void qualifiedExportIsNotApi() {} }",
          "demo/internal/Impl.java",
          "package demo.internal; public class Impl { public void notExported() {} }");

  @TempDir Path dir;

  @Test
  void dumpsThePublicApiOfExportedPackagesSorted() throws IOException {
    String api = dump("v1", LIBRARY);

    assertEquals(
        """
        public abstract class demo.api.Base {
          public <init>()
          protected abstract void hook()
          public void inherited()
        }

        public static record demo.api.Base.Point {
          public <init>(int, java.util.Optional<java.lang.String>)
          public final boolean equals(java.lang.Object)
          public final int hashCode()
          public java.util.Optional<java.lang.String> label()
          public final java.lang.String toString()
          public int x()
        }

        public final class demo.api.Greeter implements java.lang.Comparable<demo.api.Greeter> {
          public static final int LIMIT
          public <init>(java.lang.String)
          public int compareTo(demo.api.Greeter)
          public <T extends java.lang.Number> T first(java.util.List<T>) throws java.io.IOException
          public java.lang.String greet(java.util.List<? extends java.lang.CharSequence>, int...)
        }

        public static interface demo.api.Greeter.Listener {
          default void done()
          void heard(java.lang.String)
        }

        """,
        api);
  }

  @Test
  void aPublicMethodAddedWithoutUpdatingTheBaselineFailsWithADiffAndTheUpdateCommand()
      throws IOException {
    Path baseline = dir.resolve("demo.api");
    assertEquals(
        Optional.empty(), ApiBaseline.checkOrUpdate(dump("v1", LIBRARY), baseline, true, UPDATE));

    String after =
        dump("v2", withGreeterMethod("public int added(java.util.Set<String> s) { return 0; }"));
    Optional<String> failure = ApiBaseline.checkOrUpdate(after, baseline, false, UPDATE);

    assertTrue(failure.isPresent(), "an added public method must fail the check");
    String message = failure.get();
    assertTrue(
        message.contains("\n+  public int added(java.util.Set<java.lang.String>)\n"), message);
    assertTrue(message.contains(" public final class demo.api.Greeter"), "context: " + message);
    assertTrue(message.endsWith(UPDATE), message);
    assertEquals(1, message.lines().filter(l -> l.startsWith("+") || l.startsWith("-")).count());
  }

  @Test
  void aRemovedOrChangedMethodFailsToo() throws IOException {
    Path baseline = dir.resolve("demo.api");
    ApiBaseline.checkOrUpdate(dump("v1", LIBRARY), baseline, true, UPDATE);
    Map<String, String> changed = new java.util.HashMap<>(LIBRARY);
    changed.put(
        "demo/api/Greeter.java",
        LIBRARY.get("demo/api/Greeter.java").replace("int... times", "long... times"));

    String message =
        ApiBaseline.checkOrUpdate(dump("v2", changed), baseline, false, UPDATE).orElseThrow();

    assertTrue(
        message.contains(
            "\n-  public java.lang.String greet(java.util.List<? extends java.lang.CharSequence>,"
                + " int...)\n+  public java.lang.String greet(java.util.List<? extends"
                + " java.lang.CharSequence>, long...)\n"),
        message);
  }

  @Test
  void addingPackagePrivateOrNonExportedCodeDoesNotChangeTheApi() throws IOException {
    Map<String, String> changed = withGreeterMethod("void anotherPackagePrivate() {}");
    changed.put(
        "demo/internal/More.java",
        "package demo.internal; public class More { public void x() {} }");

    assertEquals(dump("v1", LIBRARY), dump("v2", changed));
  }

  @Test
  void theUpdateSwitchRewritesTheFileAndThenTheCheckPasses() throws IOException {
    Path baseline = dir.resolve("api/demo.api");
    String after = dump("v2", withGreeterMethod("public void added() {}"));

    PrintStream out = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      assertEquals(Optional.empty(), ApiBaseline.checkOrUpdate(after, baseline, true, UPDATE));
    } finally {
      System.setOut(out);
    }

    assertEquals(after, Files.readString(baseline));
    assertEquals(Optional.empty(), ApiBaseline.checkOrUpdate(after, baseline, false, UPDATE));
  }

  @Test
  void aMissingBaselineFailsWithTheUpdateCommand() throws IOException {
    String message =
        ApiBaseline.checkOrUpdate("x\n", dir.resolve("none.api"), false, UPDATE).orElseThrow();

    assertTrue(message.contains("does not exist"), message);
    assertTrue(message.contains("\n+x\n"), message);
    assertTrue(message.endsWith(UPDATE), message);
  }

  @Test
  void theDiffKeepsContextAndNumbersTheHunk() {
    String diff = ApiBaseline.unifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n");

    assertEquals("@@ line 2 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n", diff);
    assertEquals("", ApiBaseline.unifiedDiff("same\n", "same\n"));
  }

  private static Map<String, String> withGreeterMethod(String method) {
    Map<String, String> changed = new java.util.HashMap<>(LIBRARY);
    changed.put(
        "demo/api/Greeter.java",
        LIBRARY.get("demo/api/Greeter.java").replace("  void packagePrivate() {}", method));
    return changed;
  }

  /** Compiles the sources into their own directory and dumps their API. */
  private String dump(String version, Map<String, String> sources) throws IOException {
    Path src = dir.resolve(version + "-src");
    Path classes = dir.resolve(version + "-classes");
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-proc:none"));
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path file = src.resolve(e.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, e.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int rc = javac.run(null, null, errors, args.toArray(String[]::new));
    assertEquals(0, rc, errors.toString(StandardCharsets.UTF_8));
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      return ApiBaseline.dump(classes, loader);
    }
  }
}
