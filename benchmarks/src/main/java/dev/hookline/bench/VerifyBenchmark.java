package dev.hookline.bench;

import dev.hookline.receiver.Notification;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The listener's cost: {@link WebhookVerifier#verify} of a signed 1 KB notification (API key,
 * headers, timestamp, HMAC-SHA256 signature, JSON parse), next to a bare HMAC-SHA256 of the same
 * bytes, and the default replay guard's {@code begin} on its own.
 *
 * <p>{@code verify} runs with a pass-through replay guard, because the same request is verified
 * again and again; {@link #replayGuardBegin} measures what the default guard adds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VerifyBenchmark {
  private static final Instant NOW = Instant.parse("2026-11-22T10:15:30Z");
  private static final String API_KEY = "hk_3c1f0e2b9a8d7c6b5a4f3e2d1c0b9a8f";
  private static final int BODY_BYTES = 1024;

  private byte[] key = new byte[32];
  private byte[] body = new byte[0];
  private Map<String, List<String>> headers = Map.of();
  private WebhookVerifier verifier =
      WebhookVerifier.builder().apiKey(API_KEY).allowUnsignedNotifications().build();
  private ReplayGuard guard = ReplayGuard.inMemory(Clock.systemUTC(), 1);
  private final AtomicLong ids = new AtomicLong();

  /** A signed 1 KB notification and a verifier for it. */
  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 7 + 1);
    }
    String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    String id = "evt_2Yb9qLk4mN8pR1sT6vW0xZ";
    body = body(id);
    long ts = NOW.getEpochSecond();
    Mac mac = mac(key);
    mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
    String signature = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    headers =
        Map.of(
            "authorization", List.of("Bearer " + API_KEY),
            "content-type", List.of("application/json"),
            "webhook-id", List.of(id),
            "webhook-timestamp", List.of(Long.toString(ts)),
            "webhook-signature", List.of(signature));
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    verifier =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(secret)
            .clock(clock)
            .replayGuard(new PassThroughGuard())
            .build();
    guard = ReplayGuard.inMemory(clock, WebhookVerifier.DEFAULT_REPLAY_GUARD_SIZE);
    // fail at set-up, not in the measurement, if the request does not verify
    verifier.verify(headers, body);
  }

  /** Per-thread state for the bare HMAC: a keyed Mac, reused as a tight loop would. */
  @State(Scope.Thread)
  public static class ThreadMac {
    Mac mac;

    /** Creates the keyed Mac. */
    public ThreadMac() {
      byte[] k = new byte[32];
      for (int i = 0; i < k.length; i++) {
        k[i] = (byte) (i * 7 + 1);
      }
      try {
        mac = mac(k);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Full verification of the 1 KB notification.
   *
   * @return the notification, so the work is not eliminated
   */
  @Benchmark
  public Notification verify() {
    return verifier.verify(headers, body);
  }

  /**
   * HMAC-SHA256 of the same 1 KB body with an already keyed Mac: the floor for any verifier.
   *
   * @param t the thread's Mac
   * @return the MAC
   */
  @Benchmark
  public byte[] bareHmacSha256(ThreadMac t) {
    return t.mac.doFinal(body);
  }

  /**
   * The default in-memory replay guard recording a new id (the cache fills to its bound, then
   * evicts).
   *
   * @return the state found ({@code NEW})
   */
  @Benchmark
  public ReplayGuard.State replayGuardBegin() {
    return guard.begin("evt_" + ids.incrementAndGet(), NOW.plusSeconds(300));
  }

  private static Mac mac(byte[] key) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac;
  }

  private static byte[] body(String id) {
    String head =
        "{\"id\":\""
            + id
            + "\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.123Z\",\"data\":"
            + "{\"userId\":\"u_8f14e45fceea167a\",\"email\":\"ada.lovelace@example.com\","
            + "\"name\":\"Ada Lovelace\",\"changedAttributes\":[\"email\",\"name\"],\"note\":\"";
    String tail = "\"}}";
    String text = head + "x".repeat(BODY_BYTES - head.length() - tail.length()) + tail;
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length != BODY_BYTES) {
      throw new IllegalStateException("body is " + bytes.length + " bytes");
    }
    return bytes;
  }

  /** Accepts every id: lets one request be verified repeatedly. */
  static final class PassThroughGuard implements ReplayGuard {
    @Override
    public ReplayGuard.State begin(String webhookId, Instant until) {
      return ReplayGuard.State.NEW;
    }

    @Override
    public void complete(String webhookId, Instant until) {}

    @Override
    public void abandon(String webhookId) {}
  }
}
