/** Filter implementation: syntax tree, lexer, parser, JSON codec, regex guard. Not API. */
@NullMarked
package dev.hookline.filter.internal;

import org.jspecify.annotations.NullMarked;
