package dev.hookline.bench;

import dev.hookline.Event;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import io.opentelemetry.api.trace.Tracer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Bursts (the {@code pg-burst} shape: events published in batches of 100 at default dispatcher
 * settings, time until every delivery is recorded) compared between two setups that each run in
 * <b>a JVM of their own</b>, the two JVMs taking turns.
 *
 * <p>Why a JVM per setup: an application runs one store, with the observability modules or without,
 * never both. In one JVM the setups' hot paths deoptimise each other's call sites (the Store's
 * calls see two implementations, the observer calls a no-op, then two modules, then none): {@link
 * ObservabilityOverhead}'s single-JVM run never went JIT-quiet in six warm-up steps, and a warm
 * in-memory burst run after PostgreSQL ones in one JVM compiled for 1.6 s. That is a cost of the
 * benchmark, not of either setup.
 *
 * <p>Why taking turns: both JVMs stay up; each warms up until its JIT is quiet ({@link JitWarmup}),
 * then they run one burst each in turn, every shape in turn within a round, the order of the two
 * alternating by round, the idle one waiting without using the CPU. A pair of bursts run seconds
 * apart sees the same machine, so the pair's ratio cancels the drift of this shared machine, which
 * moved one setup's rate by 15 % between runs a minute apart. Verdicts use the median of the pairs'
 * ratios, as the single-JVM phases use the median of their rounds' ratios.
 */
final class BurstJvms {
  /** The prefix of a child's machine-readable result line. */
  private static final String RESULT = "BURST|";

  /** What a child prints when it has done what it was asked, and is idle. */
  private static final String DONE = "DONE";

  private BurstJvms() {}

  /**
   * What one JVM runs: a store, and whether both observability modules are on ({@code on}, set up
   * as {@link ObservabilityOverhead#bothModules}), off, or replaced by the least the two libraries
   * cost ({@code floor}, {@link LibraryFloor}); {@code lean-off} and {@code lean} are off and on
   * with the back ends a deployment can trim ({@link ObservabilityOverhead.Telemetry#create(
   * AtomicLong, boolean)}).
   */
  record Setup(String store, String modules) {
    Setup {
      if (!List.of("in-memory", "postgresql").contains(store)) {
        throw new IllegalArgumentException("store is in-memory or postgresql, not " + store);
      }
      if (!List.of("off", "on", "floor", "lean-off", "lean").contains(modules)) {
        throw new IllegalArgumentException(
            "modules are off, on, floor, lean-off or lean, not " + modules);
      }
    }

    /** A store without observability. */
    static Setup off(String store) {
      return new Setup(store, "off");
    }

    String name() {
      return store
          + switch (modules) {
            case "on" -> ", modules on";
            case "floor" -> ", library floor";
            case "lean-off" -> ", lean back ends";
            case "lean" -> ", modules on, lean back ends";
            default -> "";
          };
    }
  }

  /** How the bursts run: deliveries per burst, warm-up steps at most, wait at most, body size. */
  record Plan(int deliveries, int warmMax, Duration maxWait, int bodyBytes) {}

  /**
   * A child: sets up one store (with or without the modules), then does what its standard input
   * asks, one line at a time, printing {@value #DONE} after each: {@code WARM} (a burst of every
   * endpoint count, repeated until the JIT is quiet), {@code RUN E} (one measured burst to E
   * endpoints, and a result line). It exits when its input ends.
   *
   * <p>In both module settings the application traces each published batch with a span of its own
   * (exported the same way), the application's cost; with the modules on, that span's {@code
   * traceparent} is kept with each delivery, so that every attempt span links to it.
   *
   * @param args {@code --store in-memory|postgresql --modules on|off|floor|lean-off|lean --sink URL
   *     --endpoints 1,100 --deliveries N --warm N --wait-seconds N --body-bytes N}
   * @throws Exception if a burst fails to run
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Setup setup =
        new Setup(
            LoadHarness.stringArg(args, "--store", "in-memory"),
            LoadHarness.stringArg(args, "--modules", "off"));
    String sink = LoadHarness.stringArg(args, "--sink", "");
    List<Integer> endpoints = new ArrayList<>();
    for (String e : LoadHarness.stringArg(args, "--endpoints", "1").split(",", -1)) {
      endpoints.add(Integer.parseInt(e.trim()));
    }
    Plan plan =
        new Plan(
            LoadHarness.intArg(args, "--deliveries", 50_000),
            LoadHarness.intArg(args, "--warm", 8),
            Duration.ofSeconds(LoadHarness.intArg(args, "--wait-seconds", 120)),
            LoadHarness.intArg(args, "--body-bytes", 1024));

    ObservabilityOverhead.Telemetry telemetry =
        ObservabilityOverhead.Telemetry.create(
            new AtomicLong(), setup.modules().startsWith("lean"));
    Tracer tracer = telemetry.otel().getTracer("load");
    UnaryOperator<Dispatcher.Builder> modules =
        switch (setup.modules()) {
          case "on", "lean" -> ObservabilityOverhead.bothModules(telemetry);
          case "floor" -> LibraryFloor.floor(telemetry);
          default -> b -> b;
        };
    HooklinePhase.Instrumentation instrument =
        new HooklinePhase.Instrumentation() {
          @Override
          public Dispatcher.Builder configure(Dispatcher.Builder b) {
            return modules.apply(b);
          }

          @Override
          public void publish(Dispatcher d, Event e) {
            ObservabilityOverhead.inPublishSpan(tracer, () -> d.publish(e));
          }

          @Override
          public void publish(Dispatcher d, List<Event> batch) {
            ObservabilityOverhead.inPublishSpan(tracer, () -> d.publish(batch));
          }
        };
    try (Postgres pg = setup.store().equals("postgresql") ? Postgres.start() : null) {
      BurstRunner burst =
          e -> {
            // each burst on a fresh store: a new in-memory one, or a new schema
            try (Postgres.Store s = pg == null ? null : pg.freshStore()) {
              return BurstPhase.run(
                  s == null ? new InMemoryStore() : s.store(),
                  sink,
                  e,
                  0,
                  plan.deliveries(),
                  plan.bodyBytes(),
                  plan.maxWait(),
                  instrument);
            }
          };
      done();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String command;
      while ((command = in.readLine()) != null) {
        if (command.equals("WARM")) {
          JitWarmup.untilQuiet(
              setup.name() + ", every shape",
              plan.warmMax(),
              () -> {
                StringBuilder b = new StringBuilder();
                for (int e : endpoints) {
                  b.append(b.length() == 0 ? "" : "; ")
                      .append(e)
                      .append(" endpoint")
                      .append(e == 1 ? "" : "s")
                      .append(' ')
                      .append(Math.round(burst.run(e).perSecond()))
                      .append("/s");
                }
                return b.toString();
              });
        } else if (command.startsWith("RUN ")) {
          int e = Integer.parseInt(command.substring(4).trim());
          long jit = JitWarmup.compiledMillis();
          long cpu = ProcessCpu.nanos();
          BurstPhase.Result r = burst.run(e);
          double cpuPerDelivery = (ProcessCpu.nanos() - cpu) / 1e3 / Math.max(1, r.delivered());
          System.out.printf(
              Locale.ROOT,
              "%3d endpoint%s: %s, %.0f us CPU per delivery (this JVM), JIT compiled %,d ms%n",
              e,
              e == 1 ? " " : "s",
              r.describe(),
              cpuPerDelivery,
              JitWarmup.compiledMillis() - jit);
          System.out.println(RESULT + (r.complete() ? r.perSecond() : 0) + "|" + cpuPerDelivery);
        } else {
          throw new IllegalArgumentException("unknown command " + command);
        }
        done();
      }
    } finally {
      telemetry.otel().close();
    }
    System.out.flush();
    // exit explicitly: no stray non-daemon thread (an HTTP client's) may keep the JVM up
    System.exit(0);
  }

  private static void done() {
    System.out.println(DONE);
    System.out.flush();
  }

  @FunctionalInterface
  private interface BurstRunner {
    BurstPhase.Result run(int endpoints) throws Exception;
  }

  /**
   * Starts a JVM for each setup, warms both up, then runs {@code rounds} rounds of one burst each
   * per endpoint count, taking turns.
   *
   * @param a the baseline
   * @param b the setup compared with it
   * @param endpoints the endpoint counts, each a shape
   * @param rounds pairs per shape
   * @param sinkBase the sink's base URL
   * @param plan how the bursts run
   * @return per shape, the pairs, in the order of {@code endpoints}
   * @throws IOException if a child cannot start or ends early
   */
  static List<Pairs> takeTurns(
      Setup a, Setup b, List<Integer> endpoints, int rounds, String sinkBase, Plan plan)
      throws IOException {
    try (Child first = Child.start(a, endpoints, sinkBase, plan);
        Child second = Child.start(b, endpoints, sinkBase, plan)) {
      first.await();
      second.await();
      first.ask("WARM");
      second.ask("WARM");
      // One round of turns, not judged: a JVM warmed to a quiet JIT and then idle while the other
      // warmed up (a minute or more) still compiled for seconds in its first burst after.
      System.out.println("  (one round of turns after the warm-up, not judged)");
      for (int e : endpoints) {
        first.run(e);
        second.run(e);
      }
      List<Pairs> pairs = new ArrayList<>();
      endpoints.forEach(e -> pairs.add(new Pairs(e)));
      for (int round = 1; round <= rounds; round++) {
        // The order alternates, so that neither always runs right after the other.
        boolean firstFirst = round % 2 == 1;
        for (int i = 0; i < endpoints.size(); i++) {
          int e = endpoints.get(i);
          double[] x;
          double[] y;
          if (firstFirst) {
            x = first.run(e);
            y = second.run(e);
          } else {
            y = second.run(e);
            x = first.run(e);
          }
          pairs.get(i).add(x, y);
        }
      }
      return pairs;
    }
  }

  /** One shape's bursts, pair by pair: the baseline's ({@code a}) and the other's ({@code b}). */
  static final class Pairs {
    final int endpoints;
    final List<Double> a = new ArrayList<>();
    final List<Double> b = new ArrayList<>();
    final List<Double> cpuA = new ArrayList<>();
    final List<Double> cpuB = new ArrayList<>();
    final List<Double> ratios = new ArrayList<>();

    Pairs(int endpoints) {
      this.endpoints = endpoints;
    }

    void add(double[] x, double[] y) {
      a.add(x[0]);
      cpuA.add(x[1]);
      b.add(y[0]);
      cpuB.add(y[1]);
      ratios.add(x[0] > 0 ? y[0] / x[0] : 0);
    }

    /** Whether every burst finished. */
    boolean complete() {
      return !a.contains(0.0) && !b.contains(0.0);
    }

    /** The median of the pairs' ratios (b over a). */
    double ratio() {
      return LoadHarness.median(ratios);
    }

    String shape() {
      return endpoints + " endpoint" + (endpoints == 1 ? "" : "s");
    }

    /** A line with the rates, ratios and CPU, for the report. */
    String describe(String nameA, String nameB) {
      return String.format(
          Locale.ROOT,
          "%s: %s %,.0f/s %s, %s %,.0f/s %s, pairs' ratios %s; CPU per delivery %.0f vs %.0f us"
              + " (medians, each JVM alone)",
          shape(),
          nameA,
          LoadHarness.median(a),
          rounded(a, 0),
          nameB,
          LoadHarness.median(b),
          rounded(b, 0),
          rounded(ratios, 2),
          LoadHarness.median(cpuA),
          LoadHarness.median(cpuB));
    }
  }

  /** A child JVM running one setup, and the harness's end of its pipes. */
  private static final class Child implements AutoCloseable {
    private final Setup setup;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final AutoCloseable registration;

    private Child(Setup setup, Process process) {
      this.setup = setup;
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.registration = Children.register(this);
    }

    static Child start(Setup setup, List<Integer> endpoints, String sinkBase, Plan plan)
        throws IOException {
      List<String> cmd =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xms2g",
              "-Xmx2g",
              "-cp",
              System.getProperty("java.class.path"),
              BurstJvms.class.getName(),
              "--store",
              setup.store(),
              "--modules",
              setup.modules(),
              "--sink",
              sinkBase,
              "--endpoints",
              String.join(",", endpoints.stream().map(String::valueOf).toList()),
              "--deliveries",
              Integer.toString(plan.deliveries()),
              "--warm",
              Integer.toString(plan.warmMax()),
              "--wait-seconds",
              Long.toString(plan.maxWait().toSeconds()),
              "--body-bytes",
              Integer.toString(plan.bodyBytes()));
      System.out.println("  -- " + setup.name() + ": a JVM of its own");
      return new Child(setup, new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Sends a command and waits until the child has done it. */
    void ask(String command) throws IOException {
      in.write(command + "\n");
      in.flush();
      await();
    }

    /** Runs a burst to {@code endpoints}: its rate (0 if incomplete) and CPU per delivery. */
    double[] run(int endpoints) throws IOException {
      in.write("RUN " + endpoints + "\n");
      in.flush();
      double[] result = await();
      if (result.length == 0) {
        throw new IOException(this + " printed no result");
      }
      return result;
    }

    /** Echoes the child's lines until it is done; returns the result it printed, if any. */
    double[] await() throws IOException {
      double[] result = new double[0];
      String line;
      while ((line = out.readLine()) != null) {
        if (line.equals(DONE)) {
          return result;
        }
        if (line.startsWith(RESULT)) {
          String[] f = line.substring(RESULT.length()).split("\\|", -1);
          result = new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
        } else {
          System.out.println("  [" + setup.name() + "] " + line.strip());
        }
      }
      throw new IOException(this + " ended early");
    }

    @Override
    public void close() throws IOException {
      try {
        in.close(); // its input ends: it exits
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      } finally {
        out.close();
        Children.closed(registration);
      }
    }

    @Override
    public String toString() {
      return "burst JVM (" + setup.name() + ")";
    }
  }

  private static String rounded(List<Double> values, int decimals) {
    List<String> r = new ArrayList<>();
    for (double v : values) {
      r.add(String.format(Locale.ROOT, "%." + decimals + "f", v));
    }
    return r.toString();
  }

  /** Checks a shape's pairs against a ratio target, as a verdict of {@code phase}. */
  static void judge(
      String phase, String target, Pairs p, double atLeast, String nameA, String nameB) {
    System.out.println("  " + p.describe(nameA, nameB));
    if (!p.complete()) {
      Verdicts.check(phase, target, "a burst did not finish (" + p.a + " vs " + p.b + ")", false);
      return;
    }
    Verdicts.check(
        phase,
        target,
        String.format(
            Locale.ROOT,
            "%.2f (median of %d pairs; ratio of medians %.2f: %,.0f vs %,.0f deliveries/s)",
            p.ratio(),
            p.ratios.size(),
            LoadHarness.median(p.b) / LoadHarness.median(p.a),
            LoadHarness.median(p.b),
            LoadHarness.median(p.a)),
        p.ratio() >= atLeast);
  }
}
