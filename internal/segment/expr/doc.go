// Package expr owns the segment expression language: its lexer, parser, canonical
// formatter and schema checker. It is pure (no I/O) so the API, the manifest loader and the
// console can all validate a segment definition the same way before anything is evaluated.
//
// # Language
//
// A segment is a boolean expression over a person's tags, traits and event aggregates:
//
//	tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2
//
// Boolean operators, loosest first: or, and, not. Parentheses group. "and" and "or" are
// left-associative.
//
// Conditions:
//
//	tag("name")                          true when the person carries the tag
//	trait("name") OP literal             trait comparison; false when the trait is absent
//	count(event, WINDOW) OP number       events of that name in the last WINDOW
//	sum(event, "property", WINDOW) OP n  sum of a numeric event property in the last WINDOW
//	last_seen(event) OP WINDOW           time since the last such event (never seen = infinitely long ago)
//	TERM in [literal, literal, ...]      membership; for trait() and count()
//
// OP is one of == != < <= > >=. Strings compare only with == and !=. An event name is a bare
// identifier ([A-Za-z_][A-Za-z0-9_]*) or a string literal ("Order Completed"). Literals:
// double-quoted strings with Go escapes, numbers (-1, 2.5, 1e6), and windows written as a
// positive whole number of days or hours (30d, 12h; at most 36500 days).
//
// Parse reports every error it can find, each with its line:column. Format prints the canonical
// form, which parses back to an equal tree (Equal ignores positions). Check validates a parsed
// tree against a Schema of known tags, traits and events.
package expr
