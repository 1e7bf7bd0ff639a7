package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under the OpenTelemetry Java agent, whose {@code java.net.http} instrumentation injects the
 * current context's headers into every request the JVM sends: an endpoint still gets a {@code
 * traceparent} only if its webhook opted in (the attempt span's, once, on a retry too, in either
 * format), never baggage nor {@code tracestate}, and the agent makes no client span of its own
 * beside the attempt's; a {@code propagateTo} that throws counts as false. Before {@link
 * dev.hookline.delivery.AttemptObserver.Scope#beforeSend}, every endpoint got the attempt's
 * traceparent; before the throwing predicate kept the attempt's scope, its endpoint got the agent's
 * and the publisher's baggage. Runs {@link AgentMain} in a JVM of its own with the agent Maven
 * copied beside the build ({@code hookline.otel.javaagent}); skipped only where that property is
 * not set (an IDE).
 */
class JavaAgentTest {
  /** In the logging exporter's line for one of Hookline's attempt spans: its context. */
  private static final Pattern SPAN =
      Pattern.compile(
          "'POST' : ([0-9a-f]{32}) ([0-9a-f]{16}) CLIENT \\[tracer: dev\\.hookline\\.otel:");

  private static final Pattern ATTEMPT = Pattern.compile("hookline\\.attempt\\.number=(\\d+)");
  private static final Pattern WEBHOOK = Pattern.compile("hookline\\.webhook\\.id=([\\w-]+)");

  /** AgentMain's line for each webhook: its name (the endpoint's path) and id. */
  private static final Pattern NAMED = Pattern.compile("WEBHOOK ([\\w-]+) ([\\w-]+)");

  private static final Pattern OPTED_IN =
      Pattern.compile(
          "RECEIVED /[\\w-]+ traceparent=\\[00-([0-9a-f]{32}-[0-9a-f]{16})-01\\]"
              + " tracestate=- baggage=-");

  @Test
  void theAgentSendsNothingBeyondWhatPropagateToAllows(@TempDir Path dir) throws Exception {
    String agent = System.getProperty("hookline.otel.javaagent");
    assumeTrue(agent != null, "run by Maven, which copies the agent and names it");
    assertTrue(new File(agent).isFile(), "the agent jar Maven copied: " + agent);
    Path out = dir.resolve("child.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-javaagent:" + agent);
    command.add("-Dotel.traces.exporter=logging"); // the spans, to stderr as they end
    command.add("-Dotel.metrics.exporter=none");
    command.add("-Dotel.logs.exporter=none");
    command.add("-Xshare:off");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AgentMain.class.getName());
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean ended = child.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertTrue(ended, "the child ended by itself:\n" + log);
    assertEquals(0, child.exitValue(), log);
    assertTrue(
        log.contains("OPENTELEMETRY io.opentelemetry.javaagent."),
        "the application's OpenTelemetry is the agent's:\n" + log);

    // Each webhook's attempt spans, as traceparent values, and their attempt numbers.
    Map<String, String> webhookIds = new HashMap<>();
    for (String line : lines(log, "WEBHOOK ")) {
      Matcher m = NAMED.matcher(line);
      assertTrue(m.matches(), line);
      webhookIds.put(m.group(1), m.group(2));
    }
    Map<String, Set<String>> spansOf = new HashMap<>();
    Map<String, Set<String>> attemptNumbersOf = new HashMap<>();
    for (String line : log.lines().filter(l -> SPAN.matcher(l).find()).toList()) {
      Matcher span = SPAN.matcher(line);
      Matcher attempt = ATTEMPT.matcher(line);
      Matcher webhook = WEBHOOK.matcher(line);
      assertTrue(span.find() && attempt.find() && webhook.find(), line);
      spansOf
          .computeIfAbsent(webhook.group(1), k -> new TreeSet<>())
          .add(span.group(1) + "-" + span.group(2));
      attemptNumbersOf
          .computeIfAbsent(webhook.group(1), k -> new TreeSet<>())
          .add(attempt.group(1));
    }
    for (String path : AgentMain.PATHS) {
      String id = webhookIds.get(path);
      List<String> received = lines(log, "RECEIVED /" + path + " ");
      assertEquals(3, received.size(), path + ":\n" + log);
      Set<String> traceparents = new TreeSet<>();
      for (String line : received) {
        if (path.endsWith("opted-in")) {
          Matcher m = OPTED_IN.matcher(line);
          assertTrue(m.matches(), line);
          traceparents.add(m.group(1));
        } else {
          assertEquals("RECEIVED /" + path + " traceparent=- tracestate=- baggage=-", line);
        }
      }
      assertEquals(3, spansOf.getOrDefault(id, Set.of()).size(), path + ":\n" + log);
      assertEquals(Set.of("1", "2"), attemptNumbersOf.get(id), path + " was retried:\n" + log);
      if (path.endsWith("opted-in")) {
        // The attempt spans' own, one per request: not the agent's, nor another's.
        assertEquals(spansOf.get(id), traceparents, path + ":\n" + log);
      }
    }
    // The handshake went out on a thread of its own: nothing of the caller's trace or baggage,
    // only the agent's own client span for it, in a trace of its own.
    List<String> caller = lines(log, "CALLER ");
    assertEquals(1, caller.size(), log);
    String callerTrace = caller.get(0).substring("CALLER ".length());
    List<String> verify = lines(log, "RECEIVED /verify ");
    assertEquals(1, verify.size(), log);
    assertTrue(
        verify
            .get(0)
            .matches(
                "RECEIVED /verify traceparent=\\[00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-9a-f]\\]"
                    + " tracestate=- baggage=-"),
        verify.get(0));
    assertFalse(verify.get(0).contains(callerTrace), verify.get(0) + " vs caller " + callerTrace);
    // None from the agent's own java.net.http instrumentation but the handshake's.
    assertEquals(1, lines(log, "CLIENT [tracer: io.opentelemetry.java-http-client").size(), log);
  }

  private static List<String> lines(String log, String containing) {
    return log.lines()
        .filter(l -> l.contains(containing))
        .map(l -> l.substring(l.indexOf(containing)).strip())
        .toList();
  }
}
