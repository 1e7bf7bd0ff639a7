package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User code cannot mark a webhook verified without a handshake. Compiled as a user's module would
 * be (on the module path, requiring {@code dev.hookline.core}): the registry has no such method,
 * and the package that records handshakes is not exported to it. A control snippet that uses the
 * public API compiles, so the failures are the rule and not a broken harness.
 */
class NoHandshakeBypassTest {
  @TempDir Path dir;

  @Test
  void theControlSnippetCompiles() throws IOException {
    Result r = compile("registry.enable(id);");
    assertTrue(r.ok, r.output);
  }

  @Test
  void theRegistryHasNoMarkVerified() throws IOException {
    Result r = compile("registry.markVerified(id);");
    assertFalse(r.ok);
    assertTrue(r.output.contains("error:") && r.output.contains("markVerified"), r.output);
  }

  @Test
  void theRegistryHasNoRecordVerification() throws IOException {
    Result r =
        compile(
            "registry.recordVerification(registry.require(id),"
                + " new dev.hookline.VerificationResult(true, \"forged\"));");
    assertFalse(r.ok);
    assertTrue(r.output.contains("error:") && r.output.contains("recordVerification"), r.output);
  }

  @Test
  void theRegistryDoesNotHandOutItsStore() throws IOException {
    // With the Store, any state could be written: store.updateWebhook(new Webhook(..., VERIFIED,
    // ...)) skips the handshake and every rule of the registry.
    Result r = compile("registry.store().updateWebhook(registry.require(id));");
    assertFalse(r.ok);
    assertTrue(r.output.contains("error:") && r.output.contains("store()"), r.output);
  }

  @Test
  void theInternalStateChangesAreNotVisibleToUserModules() throws IOException {
    Result r =
        compile(
            "dev.hookline.internal.RegistryAccess.stateChanges(registry)"
                + ".markVerifiedWithoutHandshake(id);");
    assertFalse(r.ok);
    assertTrue(
        r.output.toLowerCase(Locale.ROOT).contains("not visible")
            || r.output.contains("does not export"),
        r.output);
  }

  @Test
  void aWebhookCannotBeCopiedIntoAnotherStateThroughItsOwnMethods() throws IOException {
    Result r =
        compile(
            "registry.require(id).withState(dev.hookline.WebhookStatus.VERIFIED, true,"
                + " java.util.Optional.empty(), java.time.Instant.now());");
    assertFalse(r.ok);
    assertTrue(r.output.contains("withState"), r.output);
  }

  @Test
  void noPublicRegistryMethodRecordsAVerificationOrAFailure() {
    List<String> names =
        Arrays.stream(WebhookRegistry.class.getMethods())
            .filter(m -> m.getDeclaringClass() == WebhookRegistry.class)
            .map(Method::getName)
            .sorted()
            .distinct()
            .collect(Collectors.toList());
    for (String forbidden :
        List.of(
            "markVerified",
            "recordVerification",
            "recordVerificationFailure",
            "disableByFailure",
            "disableForContinuousFailure",
            "startVerification")) {
      assertFalse(names.contains(forbidden), forbidden + " is public: " + names);
    }
    for (Method m : Webhook.class.getDeclaredMethods()) {
      if (m.getName().equals("withState")) {
        assertFalse(Modifier.isPublic(m.getModifiers()), "Webhook.withState is public");
      }
    }
    assertEquals(3, WebhookStatus.values().length);
  }

  private record Result(boolean ok, String output) {}

  private Result compile(String statement) throws IOException {
    Path src = dir.resolve("src");
    Path pkg = src.resolve("user/app");
    Files.createDirectories(pkg);
    Files.writeString(
        src.resolve("module-info.java"), "module user.app { requires dev.hookline.core; }\n");
    Files.writeString(
        pkg.resolve("Use.java"),
        "package user.app;\n"
            + "import dev.hookline.WebhookRegistry;\n"
            + "public class Use {\n"
            + "  public static void run(WebhookRegistry registry, String id) {\n"
            + "    "
            + statement
            + "\n  }\n}\n");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--module-path", modulePath(), "-d", dir.resolve("out").toString()));
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
      boolean ok =
          javac
              .getTask(
                  out,
                  files,
                  null,
                  args,
                  null,
                  files.getJavaFileObjects(
                      src.resolve("module-info.java"), pkg.resolve("Use.java")))
              .call();
      return new Result(ok, out.toString());
    }
  }

  /** Core's classes and the libraries it requires, from this test's class path. */
  private static String modulePath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(
            e ->
                e.contains("hookline-core")
                    || e.replace('\\', '/').endsWith("core/target/classes")
                    || e.contains("jackson-")
                    || e.contains("slf4j-api")
                    || e.contains("jspecify"))
        .collect(Collectors.joining(File.pathSeparator));
  }
}
