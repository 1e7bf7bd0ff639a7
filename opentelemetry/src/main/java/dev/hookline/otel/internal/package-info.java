/** Implementation of hookline-opentelemetry; not API. */
@NullMarked
package dev.hookline.otel.internal;

import org.jspecify.annotations.NullMarked;
