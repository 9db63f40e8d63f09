package cleanroom_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stewardhq/steward/internal/cleanroom"
)

func TestAlignCommonOrder(t *testing.T) {
	d, err := cleanroom.NewDomain("pair-align")
	if err != nil {
		t.Fatal(err)
	}
	var a, b []string
	for i := 0; i < 300; i++ {
		a = append(a, fmt.Sprintf("id-%d", i))
	}
	for i := 200; i < 550; i++ {
		b = append(b, fmt.Sprintf("id-%d", i))
	}
	g, err := cleanroom.NewAlignGuest(d, "id", a, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := cleanroom.NewAlignHost(d, "id", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := h.Reply(g.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	own, order, err := g.Match(rep)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := h.Members(order)
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 100 || len(theirs) != 100 {
		t.Fatalf("intersection %d/%d, want 100", len(own), len(theirs))
	}
	sorted := true
	for n := range own {
		if a[own[n]] != b[theirs[n]] {
			t.Fatalf("position %d: guest %s, host %s", n, a[own[n]], b[theirs[n]])
		}
		if n > 0 && own[n] < own[n-1] {
			sorted = false
		}
	}
	if sorted {
		t.Fatal("the common order is the guest's own order: it should be pseudorandom")
	}
	// A bad order message is refused.
	if _, err := h.Members([]uint32{0, 0}); !errors.Is(err, cleanroom.ErrMalformed) {
		t.Fatalf("repeated position: %v", err)
	}
	if _, err := h.Reply([]byte{1, 2, 3}); !errors.Is(err, cleanroom.ErrMalformed) {
		t.Fatalf("short X: %v", err)
	}
	if _, err := cleanroom.NewAlignGuest(d, "id", []string{"x", "x"}, nil); !errors.Is(err, cleanroom.ErrDuplicate) {
		t.Fatalf("duplicate keys: %v", err)
	}
	g.Close()
	h.Close()
}

func FuzzAlignReply(f *testing.F) {
	d, _ := cleanroom.NewDomain("pair-fuzz")
	g, _ := cleanroom.NewAlignGuest(d, "id", []string{"a", "b"}, nil)
	h, _ := cleanroom.NewAlignHost(d, "id", []string{"b", "c"}, nil)
	rep, _ := h.Reply(g.Blinded())
	f.Add(rep.Z, rep.Y)
	f.Add([]byte{}, []byte{0})
	f.Fuzz(func(t *testing.T, z, y []byte) {
		own, order, err := g.Match(cleanroom.AlignReply{Z: z, Y: y})
		if err == nil && len(own) != len(order) {
			t.Fatal("members and order differ in length")
		}
	})
}
