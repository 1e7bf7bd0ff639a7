package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * The verification handshake's request goes out from a thread started for it, not the caller's: the
 * caller is often the host's own request thread, and an agent that instruments {@code
 * java.net.http} (the OpenTelemetry Java agent) injects that thread's context, the host's trace and
 * baggage, into every request it sends (checked under the agent in hookline-opentelemetry's
 * JavaAgentTest).
 */
class VerificationThreadTest {

  @Test
  void theHandshakeIsSentFromAThreadOfItsOwnAndTheCallerGetsItsResult() {
    WireMockServer server = Harness.wireMock();
    List<Thread> senders = new CopyOnWriteArrayList<>();
    HttpClient client =
        new Recording(
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build(), senders);
    Harness h = new Harness();
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(30)).httpClient(client).build()) {
      server.stubFor(get(urlEqualTo("/hook")).willReturn(aResponse().withStatus(404)));
      Webhook w = h.registered(server.baseUrl() + "/hook", null, UserEvents.CREATED);
      VerificationResult result = dispatcher.startVerification(w.id());
      assertFalse(result.verified());
      assertEquals(
          "endpoint answered HTTP 404; expected 2xx with {\"key\": \"<X-Verification-Key"
              + " value>\"}",
          result.detail());
      assertEquals(1, senders.size(), "one handshake request");
      assertNotEquals(Thread.currentThread(), senders.get(0));
      assertEquals("hookline-verify", senders.get(0).getName());
    } finally {
      server.stop();
    }
  }

  /** Delegates, noting the thread of each blocking send. */
  private static final class Recording extends HttpClient {
    private final HttpClient delegate;
    private final List<Thread> senders;

    Recording(HttpClient delegate, List<Thread> senders) {
      this.delegate = delegate;
      this.senders = senders;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException, InterruptedException {
      senders.add(Thread.currentThread());
      return delegate.send(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      senders.add(Thread.currentThread());
      return delegate.sendAsync(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request,
        HttpResponse.BodyHandler<T> handler,
        HttpResponse.PushPromiseHandler<T> push) {
      senders.add(Thread.currentThread());
      return delegate.sendAsync(request, handler, push);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return delegate.authenticator();
    }

    @Override
    public Version version() {
      return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
      return delegate.executor();
    }
  }
}
