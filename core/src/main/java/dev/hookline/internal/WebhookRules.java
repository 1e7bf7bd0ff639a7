package dev.hookline.internal;

import dev.hookline.AddressBlock;
import dev.hookline.AddressPolicy;
import dev.hookline.BlockedAddressException;
import dev.hookline.EventCatalogue;
import dev.hookline.EventType;
import dev.hookline.InvalidFilterException;
import dev.hookline.Secret;
import dev.hookline.Violation;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookValidationException;
import dev.hookline.spi.CompiledFilter;
import dev.hookline.spi.FilterCompiler;
import dev.hookline.spi.HostResolver;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The validation rules for a {@link WebhookDefinition}. Every rule is checked and every violation
 * reported, so a user fixes all problems in one round. Thread-safe (immutable).
 */
public final class WebhookRules {
  static final int NAME_MAX = 200;
  static final int AUDIENCE_MAX = 2048;
  static final int DESCRIPTION_MAX = 1000;
  static final int URI_MAX = 2048;
  static final int API_KEY_MIN = 16;
  static final int API_KEY_MAX = 512;
  static final int FILTER_MAX = 4096;
  static final int TENANT_MAX = 128;

  private static final Pattern IPV4_LOOPBACK =
      Pattern.compile(
          "127\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){2}");

  private final EventCatalogue catalogue;
  private final @Nullable FilterCompiler filterCompiler;
  private final boolean allowInsecureLoopback;
  private final AddressPolicy addressPolicy;
  private final HostResolver resolver;
  private final Duration lookupTimeout;

  /**
   * Creates the rules.
   *
   * @param catalogue the known event types
   * @param filterCompiler the filter compiler, or null if filters are not available
   * @param allowInsecureLoopback whether {@code http} to loopback is accepted (development)
   * @param addressPolicy the SSRF guard's rules
   * @param resolver resolves host names for the SSRF guard
   */
  public WebhookRules(
      EventCatalogue catalogue,
      @Nullable FilterCompiler filterCompiler,
      boolean allowInsecureLoopback,
      AddressPolicy addressPolicy,
      HostResolver resolver) {
    this(catalogue, filterCompiler, allowInsecureLoopback, addressPolicy, resolver, LOOKUP_TIMEOUT);
  }

  /**
   * Creates the rules with a given limit on registration-time DNS lookups (for tests).
   *
   * @param catalogue the known event types
   * @param filterCompiler compiles filters, or null if filters are not supported
   * @param allowInsecureLoopback whether http is allowed for loopback hosts
   * @param addressPolicy the SSRF guard's rules
   * @param resolver resolves host names for the guard
   * @param lookupTimeout how long to wait for a host name's lookup before accepting it unchecked
   */
  public WebhookRules(
      EventCatalogue catalogue,
      @Nullable FilterCompiler filterCompiler,
      boolean allowInsecureLoopback,
      AddressPolicy addressPolicy,
      HostResolver resolver,
      Duration lookupTimeout) {
    this.lookupTimeout = lookupTimeout;
    this.catalogue = catalogue;
    this.filterCompiler = filterCompiler;
    this.allowInsecureLoopback = allowInsecureLoopback;
    this.addressPolicy = addressPolicy;
    this.resolver = resolver;
  }

  /**
   * Returns the catalogue.
   *
   * @return the catalogue
   */
  public EventCatalogue catalogue() {
    return catalogue;
  }

  /**
   * A definition that passed every rule, normalised.
   *
   * @param name the trimmed name
   * @param description the trimmed description
   * @param uri the parsed URI
   * @param events the event types
   * @param filter the canonical filter text
   * @param tenant the owning tenant, as given
   * @param format the wire format
   * @param audience the token audience, if given
   */
  public record Valid(
      String name,
      String description,
      URI uri,
      Set<EventType> events,
      Optional<String> filter,
      Optional<String> tenant,
      WebhookFormat format,
      Optional<String> audience) {}

  /**
   * Checks every rule for a new webhook.
   *
   * @param d the definition
   * @return the normalised values
   * @throws WebhookValidationException listing every violation
   */
  public Valid validate(WebhookDefinition d) {
    return validate(d, false, Optional.empty());
  }

  /**
   * Checks every rule for a change to a stored webhook, including that the tenant stays as stored:
   * a webhook never moves between tenants, nor gains or loses one.
   *
   * @param d the new definition
   * @param storedTenant the stored webhook's tenant
   * @return the normalised values
   * @throws WebhookValidationException listing every violation
   */
  public Valid validateUpdate(WebhookDefinition d, Optional<String> storedTenant) {
    return validate(d, true, storedTenant);
  }

  private Valid validate(WebhookDefinition d, boolean update, Optional<String> storedTenant) {
    List<Violation> violations = new ArrayList<>();
    checkTenant(d.tenant(), violations);
    if (update && !storedTenant.equals(d.tenant())) {
      violations.add(
          new Violation(
              "tenant",
              storedTenant.isPresent()
                  ? "cannot be changed or removed after creation"
                  : "cannot be added after creation",
              storedTenant.isPresent()
                  ? "the tenant the webhook was created with"
                  : "no tenant, as created"));
    }
    String name = d.name().strip();
    if (name.isEmpty()) {
      violations.add(new Violation("name", "is required", "1 to " + NAME_MAX + " characters"));
    } else if (name.length() > NAME_MAX) {
      violations.add(
          new Violation(
              "name",
              "is " + name.length() + " characters long",
              "1 to " + NAME_MAX + " characters"));
    } else if (hasControlCharacter(name)) {
      violations.add(new Violation("name", "contains a control character", "printable characters"));
    } else if (Printable.hasUnpairedSurrogate(name)) {
      violations.add(new Violation("name", UNPAIRED, "printable characters"));
    }
    String description = d.description().strip();
    if (description.length() > DESCRIPTION_MAX) {
      violations.add(
          new Violation(
              "description",
              "is " + description.length() + " characters long",
              "at most " + DESCRIPTION_MAX + " characters"));
    } else if (hasControlCharacterBesidesLineBreaks(description)) {
      violations.add(
          new Violation(
              "description",
              "contains a control character",
              "printable characters, tabs and line breaks"));
    } else if (Printable.hasUnpairedSurrogate(description)) {
      violations.add(
          new Violation("description", UNPAIRED, "printable characters, tabs and line breaks"));
    }
    URI uri = checkUri(d.uri(), violations);
    checkApiKey(d.apiKey(), violations);
    Set<EventType> events = checkEvents(d.eventTypes(), violations);
    Optional<String> filter = checkFilter(d.filter(), events, violations);
    checkAudience(d.format(), d.audience(), violations);
    if (!violations.isEmpty() || uri == null) {
      throw new WebhookValidationException(violations);
    }
    return new Valid(name, description, uri, events, filter, d.tenant(), d.format(), d.audience());
  }

  private static void checkAudience(
      WebhookFormat format, Optional<String> audience, List<Violation> violations) {
    if (audience.isEmpty()) {
      return;
    }
    String allowed =
        "1 to " + AUDIENCE_MAX + " printable characters, no leading or trailing whitespace";
    String a = audience.get();
    if (format != WebhookFormat.SECURITY_EVENT_TOKEN) {
      violations.add(
          new Violation(
              "audience",
              "is set for the " + format + " format",
              "only with the SECURITY_EVENT_TOKEN format"));
    } else if (a.isBlank()) {
      violations.add(new Violation("audience", "must not be blank", allowed));
    } else if (a.length() > AUDIENCE_MAX) {
      violations.add(new Violation("audience", "is " + a.length() + " characters long", allowed));
    } else if (hasControlCharacter(a)) {
      violations.add(new Violation("audience", "contains a control character", allowed));
    } else if (!a.equals(a.strip())) {
      // Sent in aud exactly: receivers compare it exactly, and Hookline's refuses to be configured
      // with such a value (a line break or space read from a file), so no token would be accepted.
      violations.add(new Violation("audience", "has leading or trailing whitespace", allowed));
    } else if (Printable.hasUnpairedSurrogate(a)) {
      violations.add(new Violation("audience", UNPAIRED, allowed));
    }
  }

  private static void checkTenant(Optional<String> tenant, List<Violation> violations) {
    if (tenant.isEmpty()) {
      return;
    }
    String t = tenant.get();
    String allowed = "1 to " + TENANT_MAX + " characters A-Z a-z 0-9 . _ : @ -";
    if (t.isEmpty()) {
      violations.add(new Violation("tenant", "must not be blank", allowed));
    } else if (t.length() > TENANT_MAX) {
      violations.add(new Violation("tenant", "is " + t.length() + " characters long", allowed));
    } else if (!isTenantText(t)) {
      violations.add(new Violation("tenant", "contains a character not allowed", allowed));
    }
  }

  /**
   * Returns whether {@code s} is a well-formed tenant: 1 to 128 characters {@code A-Z a-z 0-9 . _
   * : @ -}.
   *
   * @param s the text
   * @return true if well-formed
   */
  public static boolean isTenant(String s) {
    return !s.isEmpty() && s.length() <= TENANT_MAX && isTenantText(s);
  }

  private static boolean isTenantText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '@'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private @Nullable URI checkUri(String text, List<Violation> violations) {
    String allowed =
        allowInsecureLoopback
            ? "an absolute https URI with a host (http only for loopback hosts), no user-info, no"
                + " fragment, at most "
                + URI_MAX
                + " characters"
            : "an absolute https URI with a host, no user-info, no fragment, at most "
                + URI_MAX
                + " characters";
    if (text.isBlank()) {
      violations.add(new Violation("uri", "is required", allowed));
      return null;
    }
    if (text.length() > URI_MAX) {
      violations.add(new Violation("uri", "is " + text.length() + " characters long", allowed));
      return null;
    }
    if (Printable.hasUnpairedSurrogate(text)) {
      violations.add(new Violation("uri", UNPAIRED, allowed));
      return null;
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      violations.add(
          new Violation(
              "uri",
              "is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + ")",
              allowed));
      return null;
    }
    int before = violations.size();
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!uri.isAbsolute()) {
      violations.add(new Violation("uri", "is not absolute (no scheme)", allowed));
    } else if (uri.isOpaque()) {
      violations.add(new Violation("uri", "is not a hierarchical URI", allowed));
    } else if (scheme.equals("http")) {
      if (!allowInsecureLoopback) {
        violations.add(
            new Violation(
                "uri",
                "uses http, which sends the API key in clear text",
                allowed + "; http to loopback only with the development option"));
      } else if (host != null && !isLoopbackHost(host)) {
        violations.add(new Violation("uri", "uses http to a host that is not loopback", allowed));
      }
    } else if (!scheme.equals("https")) {
      violations.add(new Violation("uri", "uses the scheme '" + printable(scheme) + "'", allowed));
    }
    if (uri.isAbsolute() && !uri.isOpaque()) {
      if (host == null || host.isEmpty()) {
        String authorityHost = authorityHost(uri);
        if (IpLiterals.looksNumeric(authorityHost)) {
          // java.net.URI finds no host in "https://127.1/": the JVM's resolver would still read
          // such names as addresses, so say what they are.
          violations.add(
              new Violation(
                  "uri",
                  "points at a refused address: "
                      + AddressBlock.AMBIGUOUS_LITERAL.describe()
                      + " ("
                      + authorityHost
                      + ")",
                  allowed));
        } else if (!authorityHost.chars().allMatch(c -> c < 0x80)) {
          // java.net.URI reads no host in "https://bücher.example/": say why, and what works.
          violations.add(
              new Violation(
                  "uri",
                  "has a host name that is not ASCII",
                  allowed + "; an internationalised host name in its ASCII form (xn--...)"));
        } else {
          violations.add(new Violation("uri", "has no host", allowed));
        }
      }
      if (uri.getRawUserInfo() != null) {
        violations.add(new Violation("uri", "contains user-info (credentials)", allowed));
      }
      if (uri.getRawFragment() != null) {
        violations.add(new Violation("uri", "has a fragment", allowed));
      }
      if (host != null && (uri.getPort() == 0 || uri.getPort() > 65_535)) {
        violations.add(
            new Violation(
                "uri", "has port " + uri.getPort(), allowed + ", a port from 1 to 65535"));
      }
    }
    if (violations.size() == before && host != null) {
      checkAddress(host, violations);
    }
    return violations.size() == before ? uri : null;
  }

  /**
   * The SSRF guard at registration: IP literals in any form are classified; a host name is resolved
   * and every address checked. A name that does not resolve (yet), or whose lookup takes longer
   * than the lookup timeout (5 s by default), is accepted: the guard runs again before every
   * attempt, and the verification handshake must succeed first. So a customer's slow DNS cannot
   * hold the caller of {@code create}/{@code update} for the resolver's own timeout.
   */
  private void checkAddress(String host, List<Violation> violations) {
    String allowed =
        "a host with public addresses only (development and tests may allow-list ranges or hosts"
            + " with WebhookRegistry.builder().addressPolicy(...))";
    Optional<BlockedAddressException> blocked;
    try {
      blocked = blockedAddress(host);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // the send-time guard still checks it
    }
    blocked.ifPresent(
        e ->
            violations.add(
                new Violation(
                    "uri",
                    "points at a refused address: "
                        + e.block().describe()
                        + " ("
                        + printable(shownAddress(e.address()))
                        + ")",
                    allowed)));
  }

  /**
   * The refused address as the customer may see it: a literal as written, a host name without what
   * the host's DNS answered for it. The answer is the host's own (split-horizon names, internal
   * addresses) and goes to whoever registers the URI, a tenant included: quoting it made every
   * create a lookup in the host's internal DNS.
   *
   * @param address the refusal's address: a literal, or {@code "name -> resolved address"}
   * @return the literal or the name
   */
  public static String shownAddress(String address) {
    int arrow = address.indexOf(" -> ");
    return arrow < 0 ? address : address.substring(0, arrow) + " resolves to such an address";
  }

  /** How long registration waits for a host name's DNS lookup. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Lookups at registration, off the caller's thread so they can be abandoned; idle threads end by
   * themselves. At most 16 at once: beyond that a name is accepted unchecked, like one that does
   * not resolve.
   */
  private static final ThreadPoolExecutor LOOKUPS =
      new ThreadPoolExecutor(
          0,
          16,
          10,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "hookline-registration-dns");
            t.setDaemon(true);
            return t;
          });

  private Optional<BlockedAddressException> blockedAddress(String host)
      throws InterruptedException {
    if (addressPolicy.checkLiteral(host).isPresent() || isNumericOrBracketed(host)) {
      return check(host); // no lookup needed
    }
    Future<Optional<BlockedAddressException>> lookup;
    try {
      lookup = LOOKUPS.submit(() -> check(host));
    } catch (RejectedExecutionException e) {
      return Optional.empty();
    }
    try {
      return lookup.get(lookupTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return Optional.empty();
    }
  }

  private Optional<BlockedAddressException> check(String host) {
    try {
      addressPolicy.resolveAndCheck(host, resolver);
      return Optional.empty();
    } catch (BlockedAddressException e) {
      return Optional.of(e);
    } catch (UnknownHostException e) {
      return Optional.empty(); // accepted: see checkAddress
    }
  }

  private static boolean isNumericOrBracketed(String host) {
    return host.startsWith("[") || IpLiterals.looksNumeric(host.toLowerCase(Locale.ROOT));
  }

  private static String authorityHost(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return "";
    }
    int at = authority.lastIndexOf('@');
    String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
    int colon = hostPort.lastIndexOf(':');
    return (colon >= 0 ? hostPort.substring(0, colon) : hostPort).toLowerCase(Locale.ROOT);
  }

  /**
   * Returns whether a URI host names the loopback interface.
   *
   * @param host the host as {@link URI#getHost()} gives it
   * @return true for {@code localhost}, {@code 127.x.y.z} and {@code [::1]}
   */
  public static boolean isLoopbackHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.equals("[::1]")
        || h.equals("[0:0:0:0:0:0:0:1]")
        || IPV4_LOOPBACK.matcher(h).matches();
  }

  /**
   * Checks an API key on its own (for key rotation).
   *
   * @param apiKey the key
   * @throws WebhookValidationException if it breaks a rule (the message never shows the key)
   */
  public void validateApiKey(Secret apiKey) {
    List<Violation> violations = new ArrayList<>();
    checkApiKey(apiKey, violations);
    if (!violations.isEmpty()) {
      throw new WebhookValidationException(violations);
    }
  }

  private static void checkApiKey(Secret apiKey, List<Violation> violations) {
    String allowed =
        API_KEY_MIN + " to " + API_KEY_MAX + " printable ASCII characters without spaces";
    int length = apiKey.length();
    if (length == 0) {
      violations.add(new Violation("apiKey", "is required", allowed));
      return;
    }
    if (length < API_KEY_MIN || length > API_KEY_MAX) {
      violations.add(new Violation("apiKey", "is " + length + " characters long", allowed));
    }
    String key = apiKey.reveal();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        // Report the position, never the character: it is part of a secret.
        violations.add(
            new Violation(
                "apiKey",
                "has a character outside printable ASCII at position " + (i + 1),
                allowed));
        break;
      }
    }
  }

  private Set<EventType> checkEvents(Set<String> names, List<Violation> violations) {
    Set<EventType> events = new LinkedHashSet<>();
    String allowed = "one or more of: " + String.join(", ", subscribableNames());
    if (names.isEmpty()) {
      violations.add(
          new Violation("events", "is required: subscribe to at least one event type", allowed));
      return events;
    }
    int refused = 0;
    for (String name : names) {
      Optional<EventType> type = catalogue.find(name);
      if (type.isPresent() && type.get().subscribable()) {
        events.add(type.get());
        continue;
      }
      // Beyond the first few, counted and reported together below.
      if (++refused > MAX_EVENT_VIOLATIONS) {
        continue;
      }
      if (type.isEmpty()) {
        violations.add(
            new Violation(
                "events", "names an unknown event type '" + printable(name) + "'", allowed));
      } else {
        violations.add(
            new Violation(
                "events", "'" + name + "' is not currently supported for subscription", allowed));
      }
    }
    if (refused > MAX_EVENT_VIOLATIONS) {
      violations.add(
          new Violation(
              "events",
              String.format(
                  Locale.ROOT,
                  "names %,d more event types that are unknown or not supported",
                  refused - MAX_EVENT_VIOLATIONS),
              allowed));
    }
    return events;
  }

  /**
   * The most names of unknown or unsupported event types reported one by one; the rest are counted
   * in one more violation. Each violation lists the subscribable types, so one per name made a list
   * of thousands of names (a request of some 64 KiB) a report of megabytes.
   */
  static final int MAX_EVENT_VIOLATIONS = 10;

  private Optional<String> checkFilter(
      Optional<String> filter, Set<EventType> events, List<Violation> violations) {
    if (filter.isEmpty() || filter.get().isBlank()) {
      return Optional.empty();
    }
    String text = filter.get();
    if (text.length() > FILTER_MAX) {
      violations.add(
          new Violation(
              "filter",
              "is " + text.length() + " characters long",
              "at most " + FILTER_MAX + " characters"));
      return Optional.empty();
    }
    FilterCompiler compiler = filterCompiler;
    if (compiler == null) {
      violations.add(
          new Violation(
              "filter",
              "cannot be checked: this registry has no filter compiler",
              "no filter, or build the registry with filterCompiler(...) from hookline-filters"));
      return Optional.empty();
    }
    try {
      CompiledFilter compiled = compiler.compile(text, events);
      return Optional.of(compiled.canonicalText());
    } catch (InvalidFilterException e) {
      violations.add(
          new Violation(
              "filter",
              e.line() > 0
                  ? "line " + e.line() + ", column " + e.column() + ": " + e.problem()
                  : e.problem(),
              "a filter expression; see docs/filters.md"));
      return Optional.empty();
    }
  }

  private List<String> subscribableNames() {
    return catalogue.subscribable().stream().map(EventType::wireName).toList();
  }

  /**
   * Half of a UTF-16 surrogate pair is no character: UTF-8 cannot hold it, and the PostgreSQL store
   * kept a '?' in its place (a SET webhook's tokens then carried another audience).
   */
  private static final String UNPAIRED = "contains half of a surrogate pair (not valid Unicode)";

  private static boolean hasControlCharacter(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  private static boolean hasControlCharacterBesidesLineBreaks(String s) {
    return s.chars()
        .anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
  }

  /**
   * Keeps user input in messages short and free of control characters and of half surrogate pairs
   * (clipped before a pair rather than inside it; one the input holds alone shown as '?'), which
   * the admin API's UTF-8 JSON would write as an escaped lone surrogate that strict parsers refuse.
   */
  private static String printable(String s) {
    return Printable.clip(s, 100);
  }
}
