/**
 * The management API: {@link dev.hookline.admin.AdminApi} answers {@link
 * dev.hookline.admin.AdminRequest}s with {@link dev.hookline.admin.AdminResponse}s, and {@link
 * dev.hookline.admin.AdminHttpHandlers} mounts it on a JDK {@code HttpServer}.
 */
@NullMarked
package dev.hookline.admin;

import org.jspecify.annotations.NullMarked;
