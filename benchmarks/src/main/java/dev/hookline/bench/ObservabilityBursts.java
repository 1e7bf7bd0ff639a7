package dev.hookline.bench;

import dev.hookline.Event;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Issue 16's overhead in the load harness ({@code observability} phase): delivery throughput of
 * bursts (the {@code pg-burst} shape: events published in batches of 100, default dispatcher
 * settings, time until every delivery is recorded) with hookline-micrometer and
 * hookline-opentelemetry on, against the same bursts with them off, on each store, with 1 and with
 * 100 endpoints.
 *
 * <p><b>Each variant runs in a JVM of its own</b>, because that is how an application runs: with
 * the modules or without them, never both, and on one store. In one JVM the variants deoptimise
 * each other's call sites (the dispatcher's observer calls see a no-op, then two modules, then none
 * again): {@link ObservabilityOverhead}'s single-JVM run never went JIT-quiet in six warm-up steps,
 * and its rounds' ratios spread from 0.73 to 1.03. The two stores did the same to each other.
 *
 * <p><b>The two JVMs run side by side, taking turns.</b> Both stay up for the whole store; each
 * warms up until its JIT is quiet ({@link JitWarmup}), then the harness has them run one burst each
 * in turn (off then on, on then off in the next round), the idle one waiting without using the CPU.
 * A pair of bursts run a few seconds apart sees the same machine, so each pair's ratio cancels the
 * drift of this shared machine, which moved the same variant's rate by 15 % between runs a minute
 * apart: the verdict is the median of the pairs' ratios (the ratio of the medians is printed beside
 * it).
 *
 * <p>In both variants the application traces each publish with a span of its own (exported the same
 * way): that is the application's cost, so the variants differ by the two modules alone. The "on"
 * variant sets both modules up as {@link ObservabilityOverhead#bothModules} does: a Micrometer
 * observation with the meter handler on a SimpleMeterRegistry, every span sampled and
 * batch-exported through the OTLP marshaller, and the publishing span's {@code traceparent} kept
 * with each delivery, so that every attempt span links to it.
 */
final class ObservabilityBursts {
  /** The prefix of a child's machine-readable result line. */
  private static final String RESULT = "OBSERVED|";

  /** What a child prints when it has done what it was asked, and is idle. */
  private static final String DONE = "DONE";

  private static final List<String> VARIANTS = List.of("off", "on");

  private ObservabilityBursts() {}

  /** One shape of burst: a store and an endpoint count. */
  record Shape(String store, int endpoints) {
    String name() {
      return store + ", " + endpoints + " endpoint" + s(endpoints);
    }

    String label() {
      return String.format(Locale.ROOT, "%-10s %3d endpoint%s", store, endpoints, s(endpoints));
    }
  }

  /** What the phase runs. */
  record Plan(List<Shape> shapes, int deliveries, int rounds, int warmMax, Duration maxWait) {}

  /**
   * A child: sets one variant up on one store, then does what its standard input asks, one line at
   * a time, printing {@value #DONE} after each: {@code WARM} (bursts of every shape until the JIT
   * is quiet), {@code RUN i} (one measured burst of shape {@code i}, and a result line). It exits
   * when its input ends.
   *
   * @param args {@code --variant off|on --sink URL --shapes store:E,... --deliveries N --warm N
   *     --wait-seconds N --body-bytes N}
   * @throws Exception if a burst fails to run
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    String variant = LoadHarness.stringArg(args, "--variant", "off");
    if (!VARIANTS.contains(variant)) {
      throw new IllegalArgumentException("--variant takes off or on");
    }
    String sink = LoadHarness.stringArg(args, "--sink", "");
    List<Shape> shapes = shapes(LoadHarness.stringArg(args, "--shapes", "in-memory:1"));
    int deliveries = LoadHarness.intArg(args, "--deliveries", 50_000);
    int warmMax = LoadHarness.intArg(args, "--warm", 3);
    Duration maxWait = Duration.ofSeconds(LoadHarness.intArg(args, "--wait-seconds", 120));
    int bodyBytes = LoadHarness.intArg(args, "--body-bytes", 1024);

    ObservabilityOverhead.Telemetry telemetry =
        ObservabilityOverhead.Telemetry.create(new AtomicLong());
    Tracer tracer = telemetry.otel().getTracer("load");
    UnaryOperator<Dispatcher.Builder> modules =
        variant.equals("on") ? ObservabilityOverhead.bothModules(telemetry) : b -> b;
    BurstPhase.Instrument instrument =
        new BurstPhase.Instrument() {
          @Override
          public Dispatcher.Builder configure(Dispatcher.Builder b) {
            return modules.apply(b);
          }

          @Override
          public void publish(Dispatcher d, List<Event> batch) {
            Span span = tracer.spanBuilder("publish").startSpan();
            Scope s = span.makeCurrent();
            try {
              d.publish(batch);
            } finally {
              s.close();
              span.end();
            }
          }
        };
    boolean needsPostgres = shapes.stream().anyMatch(s -> s.store().equals("postgresql"));
    try (Postgres pg = needsPostgres ? Postgres.start() : null) {
      BurstRunner burst =
          shape -> {
            if (shape.store().equals("in-memory")) {
              return BurstPhase.run(
                  new InMemoryStore(),
                  sink,
                  shape.endpoints(),
                  0,
                  deliveries,
                  bodyBytes,
                  maxWait,
                  instrument);
            }
            try (Postgres.Store s = java.util.Objects.requireNonNull(pg).freshStore()) {
              return BurstPhase.run(
                  s.store(),
                  sink,
                  shape.endpoints(),
                  0,
                  deliveries,
                  bodyBytes,
                  maxWait,
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
              variant + ", every shape",
              warmMax,
              () -> {
                StringBuilder b = new StringBuilder();
                for (Shape shape : shapes) {
                  b.append(b.length() == 0 ? "" : "; ")
                      .append(shape.name())
                      .append(' ')
                      .append(Math.round(burst.run(shape).perSecond()))
                      .append("/s");
                }
                return b.toString();
              });
        } else if (command.startsWith("RUN ")) {
          Shape shape = shapes.get(Integer.parseInt(command.substring(4).trim()));
          long jit = JitWarmup.compiledMillis();
          long cpu = ProcessCpu.nanos();
          BurstPhase.Result r = burst.run(shape);
          double cpuPerDelivery = (ProcessCpu.nanos() - cpu) / 1e3 / Math.max(1, r.delivered());
          System.out.printf(
              Locale.ROOT,
              "%s: %s, %.0f us CPU per delivery (this JVM), JIT compiled %,d ms%n",
              shape.label(),
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
    BurstPhase.Result run(Shape shape) throws Exception;
  }

  /**
   * The harness's side: per store, starts a JVM per variant, warms both, has them take turns and
   * judges the pairs.
   *
   * @param sinkBase the sink's base URL, which the children send to
   * @param plan what to run
   * @param bodyBytes the events' data size
   * @throws Exception if a child cannot start or fails
   */
  static void phase(String sinkBase, Plan plan, int bodyBytes) throws Exception {
    List<String> stores = plan.shapes().stream().map(Shape::store).distinct().toList();
    for (String store : stores) {
      List<Shape> shapes = plan.shapes().stream().filter(s -> s.store().equals(store)).toList();
      try (Child off = Child.start("off", sinkBase, shapes, plan, bodyBytes);
          Child on = Child.start("on", sinkBase, shapes, plan, bodyBytes)) {
        off.await();
        on.await();
        off.ask("WARM");
        on.ask("WARM");
        // Round by round, every shape in turn, as in the warm-up: a child that ran one shape
        // for minutes recompiled for seconds when the next shape began.
        List<Pairs> pairs = new ArrayList<>();
        shapes.forEach(shape -> pairs.add(new Pairs(shape)));
        for (int round = 1; round <= plan.rounds(); round++) {
          // The order alternates, so that neither always runs right after the other.
          List<Child> order = round % 2 == 1 ? List.of(off, on) : List.of(on, off);
          for (int i = 0; i < shapes.size(); i++) {
            double[] offResult = new double[0];
            double[] onResult = new double[0];
            for (Child c : order) {
              if (c == off) {
                offResult = c.run(i);
              } else {
                onResult = c.run(i);
              }
            }
            pairs.get(i).add(offResult, onResult);
          }
        }
        pairs.forEach(Pairs::judge);
      }
    }
  }

  /** One shape's bursts, pair by pair. */
  private static final class Pairs {
    private final Shape shape;
    private final List<Double> off = new ArrayList<>();
    private final List<Double> on = new ArrayList<>();
    private final List<Double> offCpu = new ArrayList<>();
    private final List<Double> onCpu = new ArrayList<>();
    private final List<Double> ratios = new ArrayList<>();

    Pairs(Shape shape) {
      this.shape = shape;
    }

    void add(double[] offResult, double[] onResult) {
      off.add(offResult[0]);
      offCpu.add(offResult[1]);
      on.add(onResult[0]);
      onCpu.add(onResult[1]);
      ratios.add(offResult[0] > 0 ? onResult[0] / offResult[0] : 0);
    }

    void judge() {
      ObservabilityBursts.judge(shape, off, on, offCpu, onCpu, ratios);
    }
  }

  private static void judge(
      Shape shape,
      List<Double> off,
      List<Double> on,
      List<Double> offCpu,
      List<Double> onCpu,
      List<Double> ratios) {
    String target = shape.name() + ": modules on >= 0.95x off";
    if (off.contains(0.0) || on.contains(0.0)) {
      Verdicts.check(
          "observability",
          target,
          "a burst did not finish (off " + off + ", on " + on + ")",
          false);
      return;
    }
    double ratio = LoadHarness.median(ratios);
    System.out.printf(
        Locale.ROOT,
        "  %s: off %,.0f/s %s, on %,.0f/s %s, pairs' ratios %s; CPU per delivery off %.0f us,"
            + " on %.0f us (medians)%n",
        shape.label(),
        LoadHarness.median(off),
        rounded(off, 0),
        LoadHarness.median(on),
        rounded(on, 0),
        rounded(ratios, 2),
        LoadHarness.median(offCpu),
        LoadHarness.median(onCpu));
    Verdicts.check(
        "observability",
        target,
        String.format(
            Locale.ROOT,
            "%.2f (median of %d pairs; ratio of medians %.2f: %,.0f vs %,.0f deliveries/s)",
            ratio,
            ratios.size(),
            LoadHarness.median(on) / LoadHarness.median(off),
            LoadHarness.median(on),
            LoadHarness.median(off)),
        ratio >= 0.95);
  }

  /** A child JVM running one variant, and the harness's end of its pipes. */
  private static final class Child implements AutoCloseable {
    private final String variant;
    private final Process process;
    private final BufferedReader out;
    private final java.io.Writer in;
    private final AutoCloseable registration;

    private Child(String variant, Process process) {
      this.variant = variant;
      this.process = process;
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.registration = Children.register(this);
    }

    static Child start(
        String variant, String sinkBase, List<Shape> shapes, Plan plan, int bodyBytes)
        throws java.io.IOException {
      List<String> spec = new ArrayList<>();
      for (Shape s : shapes) {
        spec.add(s.store() + ":" + s.endpoints());
      }
      List<String> cmd =
          List.of(
              java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xms2g",
              "-Xmx2g",
              "-cp",
              System.getProperty("java.class.path"),
              ObservabilityBursts.class.getName(),
              "--variant",
              variant,
              "--sink",
              sinkBase,
              "--shapes",
              String.join(",", spec),
              "--deliveries",
              Integer.toString(plan.deliveries()),
              "--warm",
              Integer.toString(plan.warmMax()),
              "--wait-seconds",
              Long.toString(plan.maxWait().toSeconds()),
              "--body-bytes",
              Integer.toString(bodyBytes));
      System.out.println(
          "  -- modules " + variant + ", " + shapes.get(0).store() + ": a JVM of its own");
      return new Child(variant, new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Sends a command and waits until the child has done it. */
    void ask(String command) throws java.io.IOException {
      in.write(command + "\n");
      in.flush();
      await();
    }

    /** Runs shape {@code i}: its rate (0 if incomplete) and CPU per delivery. */
    double[] run(int i) throws java.io.IOException {
      in.write("RUN " + i + "\n");
      in.flush();
      double[] result = await();
      if (result.length == 0) {
        throw new IllegalStateException("child " + variant + " printed no result");
      }
      return result;
    }

    /** Echoes the child's lines until it is done; returns the result it printed, if any. */
    double[] await() throws java.io.IOException {
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
          System.out.println("  [" + variant + "] " + line.strip());
        }
      }
      throw new IllegalStateException("child " + variant + " ended early");
    }

    @Override
    public void close() throws java.io.IOException {
      try {
        in.close(); // its input ends: it exits
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      } finally {
        Children.closed(registration);
      }
    }

    @Override
    public String toString() {
      return "observability child (" + variant + ")";
    }
  }

  private static List<Shape> shapes(String spec) {
    List<Shape> shapes = new ArrayList<>();
    for (String s : spec.split(",", -1)) {
      String[] f = s.split(":", -1);
      if (f.length != 2 || !List.of("in-memory", "postgresql").contains(f[0])) {
        throw new IllegalArgumentException(
            "--shapes takes store:endpoints,... with store in-memory or postgresql, not " + s);
      }
      shapes.add(new Shape(f[0], Integer.parseInt(f[1])));
    }
    return shapes;
  }

  private static String rounded(List<Double> values, int decimals) {
    List<String> r = new ArrayList<>();
    for (double v : values) {
      r.add(String.format(Locale.ROOT, "%." + decimals + "f", v));
    }
    return r.toString();
  }

  private static String s(int n) {
    return n == 1 ? "" : "s";
  }
}
