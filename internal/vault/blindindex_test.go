package vault_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/vault"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ kind, in, want string }{
		{vault.KindEmail, "  Li.Na@Example.COM ", "li.na@example.com"},
		{vault.KindPhone, "13812341234", "+8613812341234"},
		{vault.KindPhone, "+86 138-1234-1234", "+8613812341234"},
		{vault.KindPhone, "8613812341234", "+8613812341234"},
		{vault.KindPhone, "0086 138 1234 1234", "+8613812341234"},
		{vault.KindPhone, "(010) 6552-9988", "+861065529988"},
		{vault.KindPhone, "+1 (415) 555-0100", "+14155550100"},
		{vault.KindPhone, "+44 20 7946 0958", "+442079460958"},
		{vault.KindUserID, "u-42", "u-42"},
	}
	for _, c := range cases {
		got, err := vault.Normalize(c.kind, c.in, "86")
		if err != nil || got != c.want {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q", c.kind, c.in, got, err, c.want)
		}
	}
	for _, bad := range []struct{ kind, in string }{
		{vault.KindEmail, "no-at-sign"}, {vault.KindEmail, "@example.com"}, {vault.KindEmail, "a b@c.d"},
		{vault.KindPhone, "call me"}, {vault.KindPhone, "12"}, {vault.KindUserID, ""}, {"shoe_size", "42"},
	} {
		if _, err := vault.Normalize(bad.kind, bad.in, "86"); !errors.Is(err, vault.ErrNormalize) {
			t.Errorf("Normalize(%s, %q) err = %v, want ErrNormalize", bad.kind, bad.in, err)
		}
	}
}

func TestBlindIndex(t *testing.T) {
	a := vault.NewBlindIndex(bytes.Repeat([]byte{1}, 32), "86")
	b := vault.NewBlindIndex(bytes.Repeat([]byte{2}, 32), "86")
	x, _ := a.Compute(vault.KindPhone, "138 1234 1234")
	y, _ := a.Compute(vault.KindPhone, "+8613812341234")
	z, _ := b.Compute(vault.KindPhone, "+8613812341234")
	if !bytes.Equal(x, y) {
		t.Fatal("one number in two spellings indexes differently")
	}
	if bytes.Equal(y, z) {
		t.Fatal("two secrets give the same index")
	}
	e, _ := a.Compute(vault.KindEmail, "u@x.cn")
	u, _ := a.Compute(vault.KindUserID, "u@x.cn")
	if bytes.Equal(e, u) {
		t.Fatal("kinds are not separated")
	}
}

func TestMask(t *testing.T) {
	cases := []struct{ kind, in, want string }{
		{vault.KindPhone, "13812341234", "138****1234"},
		{vault.KindPhone, "+86 138 1234 1234", "138****1234"},
		{vault.KindEmail, "alice@example.com", "a***@example.com"},
		{vault.KindIDNumber, "110101199003077777", "110***********7777"},
		{vault.KindName, "张三丰", "张**"},
		{vault.KindName, "Ada Lovelace", "A** L*******"},
		{"other", "anything", "***"},
	}
	for _, c := range cases {
		if got := vault.Mask(c.kind, c.in); got != c.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"13812341234", "+86 138", "a@b.c", "", "0086", "(((", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []string{vault.KindEmail, vault.KindPhone, vault.KindUserID} {
			n, err := vault.Normalize(k, s, "86")
			if err != nil {
				continue
			}
			again, err := vault.Normalize(k, n, "86")
			if err != nil || again != n {
				t.Fatalf("%s: normalise is not idempotent: %q -> %q -> %q (%v)", k, s, n, again, err)
			}
		}
		_ = vault.Mask(vault.KindPhone, s)
		_ = vault.Mask(vault.KindName, s)
		_ = vault.Mask(vault.KindEmail, s)
	})
}
