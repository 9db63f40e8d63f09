package segment

import "github.com/stewardhq/steward/internal/segment/expr"

// Str and Num build trait values for SetTrait.
func Str(s string) expr.Value  { return expr.Value{Kind: expr.String, Str: s} }
func Num(f float64) expr.Value { return expr.Value{Kind: expr.Number, Num: f} }

func str(s string) expr.Value { return Str(s) }
