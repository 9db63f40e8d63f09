// Package internal holds Steward's implementation; each subpackage owns one concept
// (see ../shared/DESIGN.md "Layout").
package internal
