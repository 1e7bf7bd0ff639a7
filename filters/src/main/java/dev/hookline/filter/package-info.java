/**
 * The filter language: {@link dev.hookline.filter.Filters} builds filters in Java, parses the text
 * and JSON forms and provides the {@link dev.hookline.spi.FilterCompiler} for the registry; {@link
 * dev.hookline.filter.SubscriptionIndex} finds the webhooks an event goes to.
 */
@NullMarked
package dev.hookline.filter;

import org.jspecify.annotations.NullMarked;
