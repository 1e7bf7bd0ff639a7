package dev.hookline.bench;

import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.delivery.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Standard Webhooks signing as the dispatcher does it per attempt: one HMAC-SHA256 signature over
 * {@code id.timestamp.body}, and the two-signature header during a secret rotation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SigningBenchmark {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Body size in bytes: a typical user event, and a large one. */
  @Param({"512", "16384"})
  public int bodyBytes;

  private final Secret secret = Secret.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  private List<SigningSecret> rotating = List.of();
  private byte[] body = new byte[0];

  /** Builds the body and the secrets. */
  @Setup
  public void setUp() {
    StringBuilder json = new StringBuilder("{\"data\":\"");
    while (json.length() < bodyBytes - 2) {
      json.append('x');
    }
    json.append("\"}");
    body = json.toString().getBytes(StandardCharsets.UTF_8);
    rotating =
        List.of(
            new SigningSecret(secret, NOW, Optional.of(NOW.plusSeconds(3600))),
            new SigningSecret(Secret.of("whsec_" + "A".repeat(43) + "="), NOW, Optional.empty()));
  }

  /**
   * One signature.
   *
   * @return the signature
   */
  @Benchmark
  public String signOne() {
    return WebhookSigner.sign(secret, "evt_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, body);
  }

  /**
   * The header during a rotation: two signatures.
   *
   * @return the header value
   */
  @Benchmark
  public String signRotating() {
    return WebhookSigner.signatureHeader(
        rotating, "evt_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, body);
  }
}
