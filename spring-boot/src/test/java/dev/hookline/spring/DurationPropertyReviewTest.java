package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * An out-of-range period property fails startup naming the property, as an integer one does. The
 * builder writes periods as people do ({@code 0s}, {@code 2h}) while {@link java.time.Duration}
 * prints {@code PT0S}: the property was not recognised and the bare builder message ({@code
 * pollInterval is 0s; ...}) was reported, naming no property.
 */
class DurationPropertyReviewTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class, HooklineObservabilityAutoConfiguration.class));

  @ParameterizedTest
  @CsvSource({
    "hookline.dispatcher.poll-interval, 0s, it must be 1ms to 1h",
    "hookline.dispatcher.poll-interval, 2h, it must be 1ms to 1h",
    "hookline.dispatcher.webhook-reload-interval, 0ms, it must be 1ms to 1d",
    "hookline.dispatcher.webhook-reload-interval, 2d, it must be 1ms to 1d",
    "hookline.dispatcher.shutdown-timeout, 11m, it must be 0s to 10m",
  })
  void anOutOfRangePeriodFailsStartupNamingTheProperty(
      String property, String value, String allowed) {
    runner
        .withPropertyValues(property + "=" + value)
        .run(
            context -> {
              InvalidConfigurationPropertyValueException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(),
                      InvalidConfigurationPropertyValueException.class);
              assertEquals(property, e.getName());
              assertTrue(e.getMessage().contains(allowed), e.getMessage());
            });
  }
}
