package dev.hookline.admin.browser;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a browser test class only where Debian's Chromium and chromedriver are installed. Elsewhere
 * the class is skipped and ONE line says so, with how to install them; under {@code
 * -Dhookline.browser.required=true} (what {@code .ci/run} passes) a missing browser fails instead,
 * so CI never skips the browser tests silently.
 */
public final class RequiresChromium implements ExecutionCondition {
  private static final AtomicBoolean TOLD = new AtomicBoolean();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String missing = Chromium.missing();
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("Chromium and chromedriver are installed");
    }
    String line =
        "Browser tests SKIPPED: no executable "
            + missing
            + "; install them with: "
            + Chromium.INSTALL_HINT;
    if (Chromium.required()) {
      throw new IllegalStateException(
          "hookline.browser.required=true but there is no executable "
              + missing
              + ": install them with "
              + Chromium.INSTALL_HINT);
    }
    if (TOLD.compareAndSet(false, true)) {
      System.out.println("[WARNING] " + line);
    }
    return ConditionEvaluationResult.disabled(line);
  }
}
