package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under the OpenTelemetry Java agent, whose {@code java.net.http} instrumentation injects the
 * current context's headers into every request the JVM sends: an endpoint still gets a {@code
 * traceparent} only if its webhook opted in, never baggage nor {@code tracestate}, and the agent
 * makes no client span of its own beside the attempt's. Before {@link
 * dev.hookline.delivery.AttemptObserver.Scope#beforeSend}, every endpoint got the attempt's
 * traceparent. Runs {@link AgentMain} in a JVM of its own with the agent Maven copied beside the
 * build ({@code hookline.otel.javaagent}); skipped only where that property is not set (an IDE).
 */
class JavaAgentTest {

  @Test
  void theAgentSendsNothingBeyondWhatPropagateToAllows(@TempDir Path dir) throws Exception {
    String agent = System.getProperty("hookline.otel.javaagent");
    assumeTrue(agent != null, "run by Maven, which copies the agent and names it");
    assertTrue(new File(agent).isFile(), "the agent jar Maven copied: " + agent);
    Path out = dir.resolve("child.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-javaagent:" + agent);
    command.add("-Dotel.traces.exporter=logging"); // the spans, to stderr at exit
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

    List<String> optedIn = lines(log, "RECEIVED /opted-in ");
    List<String> plain = lines(log, "RECEIVED /plain ");
    assertEquals(2, optedIn.size(), log);
    assertEquals(2, plain.size(), log);
    for (String line : optedIn) {
      assertTrue(
          line.matches(
              "RECEIVED /opted-in traceparent=\\[00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-9a-f]\\]"
                  + " tracestate=- baggage=-"),
          line);
    }
    for (String line : plain) {
      assertEquals("RECEIVED /plain traceparent=- tracestate=- baggage=-", line);
    }
    // The logging exporter's lines: the attempts' CLIENT spans, none from the agent's own
    // java.net.http instrumentation.
    assertEquals(4, lines(log, "CLIENT [tracer: dev.hookline.otel").size(), log);
    assertEquals(0, lines(log, "CLIENT [tracer: io.opentelemetry.java-http-client").size(), log);
  }

  private static List<String> lines(String log, String containing) {
    return log.lines().filter(l -> l.contains(containing)).map(String::strip).toList();
  }
}
