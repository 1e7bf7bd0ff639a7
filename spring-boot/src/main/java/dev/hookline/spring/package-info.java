/**
 * Spring Boot auto-configuration for Hookline: {@link
 * dev.hookline.spring.HooklineAutoConfiguration} and its {@code hookline.*} properties ({@link
 * dev.hookline.spring.HooklineProperties}), and the customizers that reach the builders' other
 * settings.
 */
@NullMarked
package dev.hookline.spring;

import org.jspecify.annotations.NullMarked;
