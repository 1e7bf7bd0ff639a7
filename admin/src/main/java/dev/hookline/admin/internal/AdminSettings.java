package dev.hookline.admin.internal;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.Authenticator;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.delivery.Dispatcher;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** What {@code AdminApi.Builder} collected. Immutable. */
public record AdminSettings(
    WebhookRegistry registry,
    Dispatcher dispatcher,
    AdminStore store,
    Clock clock,
    SecureRandom random,
    List<Authenticator> authenticators,
    String basePath,
    String pagePath,
    int maxBodyBytes,
    int maxAuthFailures,
    Duration authFailureWindow,
    int maxRedeliveries,
    Duration redeliveryWindow,
    Duration recoverPace,
    Duration idempotencyRetention,
    int maxTokensPerTenant,
    VerificationLimits verificationLimits) {}
