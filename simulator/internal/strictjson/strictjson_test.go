package strictjson

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{`{"a":1}`, nil},
		{` [ {"a":1}, {"a":2} ] `, nil},
		{`{"a":{"b":1,"B":2}}`, nil}, // names differ by case: two members
		{`"x"`, nil},
		{`{"a":1,"a":2}`, ErrDuplicate},
		{`{"x":{"b":1,"b":1}}`, ErrDuplicate},
		{`[{"channel":"/a","channel":"/b"}]`, ErrDuplicate},
		{`{"a":1} {"a":2}`, ErrTrailing},
		{`{"a":1}x`, ErrTrailing},
		{`{"a":1}]`, ErrTrailing},
		{`{"a":`, ErrSyntax},
		{``, ErrSyntax},
		{`{a:1}`, ErrSyntax},
	}
	for _, c := range cases {
		err := Check([]byte(c.in))
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("Check(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

func TestObjectMatchesExactNames(t *testing.T) {
	m, err := Object([]byte(`{"operationName":"Dial","OperationName":"Hangup"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(m["operationName"]) != `"Dial"` || len(m) != 2 {
		t.Fatalf("members %v", m)
	}
	if _, err := Object([]byte(`[1]`)); !errors.Is(err, ErrNotObject) {
		t.Fatalf("array: %v", err)
	}
	var se *Error
	if _, err := Object([]byte(`{"d":{"p":1,"p":2}}`)); !errors.As(err, &se) || se.Path != "d.p" {
		t.Fatalf("path of the duplicate: %v", err)
	}
}
