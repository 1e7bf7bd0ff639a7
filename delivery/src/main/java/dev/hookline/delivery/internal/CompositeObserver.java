package dev.hookline.delivery.internal;

import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The observer {@link AttemptObserver#composite} returns: each observer in order before an attempt,
 * their scopes in reverse order after it; a deletion told to each. Immutable and thread-safe when
 * its observers are.
 */
public final class CompositeObserver implements AttemptObserver {

  private final List<AttemptObserver> all;

  public CompositeObserver(List<AttemptObserver> all) {
    this.all = all;
  }

  @Override
  public void webhookDeleted(String webhookId) {
    @Nullable Throwable first = null;
    for (AttemptObserver o : all) {
      try {
        o.webhookDeleted(webhookId);
      } catch (RuntimeException | Error e) {
        Threads.rethrowIfFatal(e);
        first = keep(first, e);
      }
    }
    if (first != null) {
      throw unchecked(first);
    }
  }

  @Override
  public Scope beforeAttempt(AttemptRequest request) {
    Scope[] scopes = new Scope[all.size()];
    Throwable[] failedBefore = new Throwable[1];
    for (int i = 0; i < scopes.length; i++) {
      try {
        scopes[i] = Objects.requireNonNull(all.get(i).beforeAttempt(request), "scope");
      } catch (RuntimeException | Error e) {
        Threads.rethrowIfFatal(e);
        scopes[i] = Scope.none();
        failedBefore[0] = keep(failedBefore[0], e);
      }
    }
    return new Scope() {
      @Override
      public void afterAttempt(AttemptResult result) {
        @Nullable Throwable first = failedBefore[0];
        for (int i = scopes.length - 1; i >= 0; i--) {
          try {
            scopes[i].afterAttempt(result);
          } catch (RuntimeException | Error e) {
            Threads.rethrowIfFatal(e);
            first = keep(first, e);
          }
        }
        if (first != null) {
          throw unchecked(first);
        }
      }

      @Override
      public Runnable beforeSend() {
        return sending(scopes);
      }
    };
  }

  /**
   * Each scope's {@link Scope#beforeSend} in order; what they return is run in reverse order, like
   * nested scopes. One that throws does not keep the others from running: its exception is thrown
   * once the others' are undone (and so logged by the dispatcher), as {@link #beforeAttempt}'s are.
   */
  private static Runnable sending(Scope[] scopes) {
    Runnable[] undo = new Runnable[scopes.length];
    Throwable[] failedBefore = new Throwable[1];
    for (int i = 0; i < scopes.length; i++) {
      try {
        undo[i] = Objects.requireNonNull(scopes[i].beforeSend(), "beforeSend");
      } catch (RuntimeException | Error e) {
        Threads.rethrowIfFatal(e);
        undo[i] = () -> {};
        failedBefore[0] = keep(failedBefore[0], e);
      }
    }
    return () -> {
      @Nullable Throwable first = failedBefore[0];
      for (int i = undo.length - 1; i >= 0; i--) {
        try {
          undo[i].run();
        } catch (RuntimeException | Error e) {
          Threads.rethrowIfFatal(e);
          first = keep(first, e);
        }
      }
      if (first != null) {
        throw unchecked(first);
      }
    };
  }

  /** The first failure, with the later ones suppressed in it: every observer runs regardless. */
  private static Throwable keep(@Nullable Throwable first, Throwable e) {
    if (first == null) {
      return e;
    }
    first.addSuppressed(e);
    return first;
  }

  /** The failure as it was caught: only RuntimeExceptions and Errors are. */
  private static RuntimeException unchecked(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return (RuntimeException) t;
  }
}
