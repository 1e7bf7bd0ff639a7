package dev.hookline.delivery.internal;

import dev.hookline.AddressPolicy;
import dev.hookline.BlockedAddressException;
import dev.hookline.ErrorKind;
import dev.hookline.internal.WebhookRules;
import dev.hookline.spi.HostResolver;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSRF guard at send time: before every request the destination's host is resolved again and
 * every address checked against the {@link AddressPolicy}, so a name that pointed at a public
 * address at registration and was re-pointed at an internal one since (DNS rebinding) is refused.
 *
 * <p>The lookup is part of the attempt's deadline: it runs on a small pool of lookup threads and
 * the attempt waits at most its own timeout for it, so a customer whose DNS never answers holds a
 * worker no longer than any other slow endpoint ({@link ErrorKind#TIMEOUT}). A name that does not
 * resolve fails the attempt ({@link ErrorKind#CONNECT_FAILED}): the guard never lets through what
 * it could not check. Attempts to the same host share one lookup, so a host whose DNS hangs holds
 * one lookup thread. When every lookup thread is held by other hosts, the attempt is not made (a
 * {@linkplain Refusal#local() local} refusal: the dispatcher hands the delivery back without
 * counting an attempt) rather than queue. IP literals are checked on the calling thread, without a
 * lookup, and their answer is remembered.
 *
 * <p>Residual risk, documented in docs/security.md: the JDK client resolves the name again when it
 * connects, so a resolver that answers differently within that instant could still win the race;
 * deployments that need a hard guarantee route through an egress proxy.
 *
 * <p>Thread-safe. Idle lookup threads end by themselves, so the guard needs no closing.
 */
public final class AddressGuard implements DestinationCheck {
  private static final Logger log = LoggerFactory.getLogger(AddressGuard.class);

  /** At most this many lookups at once; more fail fast instead of piling up threads. */
  static final int MAX_LOOKUPS = 64;

  /**
   * At most this many of the {@link #MAX_LOOKUPS} for the destinations of one tenant's webhooks (a
   * quarter), so that one tenant's hanging DNS leaves the others most of the threads.
   */
  static final int MAX_LOOKUPS_PER_TENANT = MAX_LOOKUPS / 4;

  private static final int MAX_REMEMBERED_LITERALS = 10_000;

  private final AddressPolicy policy;
  private final HostResolver resolver;
  private final ThreadPoolExecutor lookups;
  private final ConcurrentHashMap<String, Optional<Refusal>> literals = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Future<Optional<Refusal>>> inFlight =
      new ConcurrentHashMap<>();

  /** Lookups running that a tenant's attempt started, by tenant (one counter a tenant). */
  private final ConcurrentHashMap<String, AtomicInteger> lookupsByTenant =
      new ConcurrentHashMap<>();

  /**
   * Creates the guard.
   *
   * @param policy which addresses may be contacted
   * @param resolver how host names are resolved
   */
  public AddressGuard(AddressPolicy policy, HostResolver resolver) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.lookups =
        new ThreadPoolExecutor(
            0,
            MAX_LOOKUPS,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Threads.named("hookline-dns"));
  }

  /**
   * Stops the lookup threads: a lookup still running ends with its thread (the JDK's resolver does
   * not answer interrupts), and none starts after. For the dispatcher's close(), so that no thread
   * of a closed dispatcher waits out its idle time.
   */
  public void close() {
    lookups.shutdownNow();
  }

  @Override
  public Optional<Refusal> refusal(URI uri, Duration timeout) throws InterruptedException {
    return refusal(uri, null, timeout);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The lookups one tenant's destinations start hold at most {@link #MAX_LOOKUPS_PER_TENANT} of
   * the {@link #MAX_LOOKUPS} threads: a lookup that hangs keeps its thread after the attempt gives
   * up on it, and a tenant's own DNS server that never answers, behind as many host names as the
   * tenant has webhooks, would otherwise hold every thread, and every other tenant's attempts to
   * host names would be handed back unsent for as long as it hangs.
   */
  @Override
  public Optional<Refusal> refusal(URI uri, @Nullable String tenant, Duration timeout)
      throws InterruptedException {
    String host = uri.getHost();
    if (host == null) {
      return Optional.of(new Refusal(ErrorKind.BLOCKED_ADDRESS, "the URI has no host"));
    }
    if (isLiteral(host)) {
      // No lookup, and the answer for a literal never changes: remember it.
      Optional<Refusal> known = literals.get(host);
      if (known == null) {
        known = check(host);
        if (literals.size() >= MAX_REMEMBERED_LITERALS) {
          literals.clear();
        }
        literals.put(host, known);
      }
      return known;
    }
    // One lookup per host at a time: attempts to a host whose DNS hangs share its lookup (each
    // waiting at most its own deadline), so one host name holds one lookup thread, not many.
    Future<Optional<Refusal>> lookup = inFlight.get(host);
    if (lookup == null) {
      // A new lookup takes a thread: from this tenant's share, checked before the lookup is
      // published, so that no attempt joins one that is then not run.
      AtomicInteger tenantLookups =
          tenant == null ? null : lookupsByTenant.computeIfAbsent(tenant, t -> new AtomicInteger());
      if (tenantLookups != null && tenantLookups.incrementAndGet() > MAX_LOOKUPS_PER_TENANT) {
        tenantLookups.decrementAndGet();
        return Optional.of(
            new Refusal(
                ErrorKind.CONNECT_FAILED,
                "not sent: "
                    + MAX_LOOKUPS_PER_TENANT
                    + " DNS lookups of this tenant's other hosts are still waiting",
                true));
      }
      FutureTask<Optional<Refusal>> mine = new FutureTask<>(() -> check(host));
      Future<Optional<Refusal>> running = inFlight.putIfAbsent(host, mine);
      if (running != null) {
        if (tenantLookups != null) {
          tenantLookups.decrementAndGet(); // another attempt started one meanwhile: join it
        }
        lookup = running;
      } else {
        lookup = mine;
        try {
          lookups.execute(
              () -> {
                try {
                  mine.run();
                } finally {
                  inFlight.remove(host, mine);
                  if (tenantLookups != null) {
                    tenantLookups.decrementAndGet();
                  }
                }
              });
        } catch (RejectedExecutionException e) {
          inFlight.remove(host, mine);
          if (tenantLookups != null) {
            tenantLookups.decrementAndGet();
          }
          // Every lookup thread is held by other hosts' hanging DNS: not this endpoint's doing.
          return Optional.of(
              new Refusal(
                  ErrorKind.CONNECT_FAILED,
                  "not sent: " + MAX_LOOKUPS + " DNS lookups of other hosts are still waiting",
                  true));
        }
      }
    }
    // An interrupted caller leaves the shared lookup running (InterruptedException passes up):
    // other attempts to the same host wait on it, and cancelling it would fail them all.
    try {
      return lookup.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // Not cancelled: the JDK's lookup cannot be interrupted anyway, and the thread it holds
      // counts against MAX_LOOKUPS until the resolver gives up.
      return Optional.of(
          new Refusal(
              ErrorKind.TIMEOUT,
              "DNS lookup of " + host + " took longer than " + timeout.toMillis() + " ms"));
    } catch (ExecutionException e) {
      return Optional.of(
          new Refusal(ErrorKind.CONNECT_FAILED, "could not resolve " + host + ": " + e.getCause()));
    } catch (CancellationException e) {
      // Nothing here cancels a lookup (others may share it); a resolver's executor might.
      return Optional.of(
          new Refusal(
              ErrorKind.CONNECT_FAILED,
              "not sent: the DNS lookup of " + host + " was cancelled",
              true));
    }
  }

  private Optional<Refusal> check(String host) {
    try {
      policy.resolveAndCheck(host, resolver);
      return Optional.empty();
    } catch (BlockedAddressException e) {
      // The address the host's DNS gave goes to the host's own log only: the refusal's detail is
      // the attempt's, which the webhook's tenant reads.
      log.debug("SSRF guard refused: host={} address={}", host, e.address());
      return Optional.of(
          new Refusal(
              ErrorKind.BLOCKED_ADDRESS,
              "refused by the SSRF guard: "
                  + e.block().describe()
                  + " ("
                  + WebhookRules.shownAddress(e.address())
                  + ")"));
    } catch (UnknownHostException e) {
      if (policy.isHostAllowed(host)) {
        return Optional.empty(); // allow-listed by name: nothing to check, the connect decides
      }
      return Optional.of(
          new Refusal(ErrorKind.CONNECT_FAILED, "could not resolve " + host + ": no address"));
    }
  }

  /**
   * Bracketed IPv6 or dotted digits: checked without a lookup (other numeric forms are refused).
   */
  private static boolean isLiteral(String host) {
    if (host.startsWith("[")) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return !host.isEmpty();
  }
}
