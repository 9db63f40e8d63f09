package segmentspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

// The hand-written splitter must agree with encoding/json on every object.
func TestMembersAgreeWithEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`,
		` { } `,
		`{"a":1}`,
		"{\n\t\"a\" :\r\n 1 , \"b\":\"x\"\n}",
		`{"a":"quote \" and brace } and bracket ] inside","b":[1,{"c":"]"}],"d":{"e":{"f":[]}}}`,
		`{"esc\u0061ped":true,"back\\slash":null,"uni\u00e9":-1.5e+10}`,
		`{"a":"\\","b":"\\\"","c":"\u005c"}`,
		`{"n":0,"t":true,"f":false,"z":null,"s":""}`,
		`{"nested":[[[["deep"]]]],"last":12345678901234567890}`,
		"{\"bad utf8 \xff\":1,\"ok\":2}",
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			got, err := members([]byte(in))
			if err != nil {
				t.Fatalf("members: %v", err)
			}
			var want map[string]json.RawMessage
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d members, want %d", len(got), len(want))
			}
			for _, m := range got {
				w, ok := want[m.key]
				if !ok {
					t.Fatalf("key %q not in encoding/json's result", m.key)
				}
				if !bytes.Equal(m.value, w) {
					t.Errorf("value of %q = %s, want %s", m.key, m.value, w)
				}
			}
		})
	}
}

func TestMembersRefuses(t *testing.T) {
	tests := []struct {
		in   string
		want func(error) bool
	}{
		{`[]`, func(err error) bool { return errors.Is(err, errNotObject) }},
		{`"s"`, func(err error) bool { return errors.Is(err, errNotObject) }},
		{`{"a":1}{}`, func(err error) bool { var s *json.SyntaxError; return errors.As(err, &s) }},
		{`{"a":1`, func(err error) bool { var s *json.SyntaxError; return errors.As(err, &s) }},
		{`{"a":1,"a":2}`, func(err error) bool { var d *duplicateKeyError; return errors.As(err, &d) }},
		{`{"\u0061":1,"a":2}`, func(err error) bool { var d *duplicateKeyError; return errors.As(err, &d) }},
	}
	for _, tt := range tests {
		if _, err := members([]byte(tt.in)); !tt.want(err) {
			t.Errorf("members(%s) error = %v", tt.in, err)
		}
	}
	// Duplicates past the linear-scan threshold are caught too.
	var b bytes.Buffer
	b.WriteString(`{`)
	for i := range 40 {
		b.WriteString(`"k` + strconv.Itoa(i) + `":1,`)
	}
	b.WriteString(`"k2":2}`)
	var d *duplicateKeyError
	if _, err := members(b.Bytes()); !errors.As(err, &d) || d.key != "k2" {
		t.Errorf("late duplicate: %v", err)
	}
}

func TestSplitArray(t *testing.T) {
	got, err := splitArray([]byte(` [ {"a":"]"} , 1,"x" ,[2,3],null ] `))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"a":"]"}`, `1`, `"x"`, `[2,3]`, `null`}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("element %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := splitArray([]byte(`{}`)); !errors.Is(err, errNotArray) {
		t.Errorf("object accepted as array: %v", err)
	}
}
