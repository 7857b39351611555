package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
)

// referenceCheck is the token-by-token checker Check used to be, built on encoding/json's Decoder. The
// one-pass scanner must agree with it on every input (TestScannerAgrees, FuzzScannerAgrees).
func referenceCheck(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := referenceWalk(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Err: ErrTrailing}
	}
	return nil
}

func referenceWalk(dec *json.Decoder, path string) error {
	next := func() (json.Token, error) {
		tok, err := dec.Token()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return tok, err
	}
	tok, err := next()
	if err != nil {
		return &Error{Err: ErrSyntax, Path: path, Cause: err}
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]struct{}{}
		for dec.More() {
			kt, err := next()
			if err != nil {
				return &Error{Err: ErrSyntax, Path: path, Cause: err}
			}
			key, _ := kt.(string)
			member := key
			if path != "" {
				member = path + "." + key
			}
			if _, dup := seen[key]; dup {
				return &Error{Err: ErrDuplicate, Path: member}
			}
			seen[key] = struct{}{}
			if err := referenceWalk(dec, member); err != nil {
				return err
			}
		}
		if _, err := next(); err != nil {
			return &Error{Err: ErrSyntax, Path: path, Cause: err}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := referenceWalk(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if _, err := next(); err != nil {
			return &Error{Err: ErrSyntax, Path: path, Cause: err}
		}
	}
	return nil
}

// verdict reduces an error to what callers act on: valid, or which sentinel. Where the reference decoder
// reports a malformed value after a complete one as trailing data or as a syntax error depends on how far
// its buffer reached, so the two are one verdict ("invalid") unless the input is a duplicate.
func verdict(err error) string {
	switch {
	case err == nil:
		return "valid"
	case errors.Is(err, ErrDuplicate):
		return "duplicate"
	}
	return "invalid"
}

var agreementCorpus = []string{
	`{"a":1}`, ` [ {"a":1}, {"a":2} ] `, `{"a":{"b":1,"B":2}}`, `"x"`, `{"a":1,"a":2}`, `{"x":{"b":1,"b":1}}`,
	`[{"channel":"/a","channel":"/b"}]`, `{"a":1} {"a":2}`, `{"a":1}x`, `{"a":1}]`, `{"a":`, ``, `{a:1}`,
	`01`, `-`, `-0`, `1.`, `1.5e`, `1e+5`, `-12.5E-3`, `[1,]`, `{"a":1,}`, `[,1]`, `tru`, `nul`, `falsey`,
	`"\u00e9"`, `"\ud800"`, `"\x"`, "\"a\tb\"", `{"\u0061":1,"a":2}`, `{"a":1,"\u0061":2}`, "{\"\xff\":1,\"\xfe\":2}",
	`[[[[]]]]`, `{"a":[{"b":{"c":[1,{"d":1,"d":2}]}}]}`, `  `, `[`, `]`, `{}`, `[]`, `{"":1,"":2}`, `"\/"`,
	`[1 2]`, `{"a" 1}`, `{"a":1 "b":2}`, "[\"\x01\"]", `123abc`, `{"a":true,"b":false,"c":null}`,
	`[{"channel":"/meta/connect","clientId":"x","connectionType":"long-polling","advice":{"timeout":0}}]`,
	"\xef\xbb\xbf{}", `1e999`, `[-]`, `["a"]]`, `{"a":{}}}`,
}

func TestScannerAgrees(t *testing.T) {
	for _, in := range agreementCorpus {
		got, want := Check([]byte(in)), referenceCheck([]byte(in))
		if verdict(got) != verdict(want) {
			t.Errorf("Check(%q) = %v, the reference says %v", in, got, want)
		}
		if verdict(want) == "duplicate" && got.(*Error).Path != want.(*Error).Path {
			t.Errorf("Check(%q): duplicate at %q, the reference says %q", in, got.(*Error).Path, want.(*Error).Path)
		}
	}
	many := "{" + strings.Repeat(`"k":1,`, 0)
	for i := range 200 {
		many += fmt.Sprintf(`"k%d":1,`, i)
	}
	if err := Check([]byte(many + `"k7":2}`)); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a duplicate past the first %d members: %v", dupMapAfter, err)
	}
	if err := Check([]byte(many + `"last":2}`)); err != nil {
		t.Errorf("200 distinct members: %v", err)
	}
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if err := Check([]byte(deep)); !errors.Is(err, ErrSyntax) {
		t.Errorf("nesting deeper than %d: %v", MaxDepth, err)
	}
}

// TestMembersAgree: the members of a valid object are what encoding/json reads into a map.
func TestMembersAgree(t *testing.T) {
	for _, in := range []string{`{"a":1,"b":"x","c":{"d":[1,2]}}`, `{"\u0061b":1,"é":"\u00e9"}`, "{\"\xff\":1}", `{}`} {
		got, err := Members([]byte(in))
		if err != nil {
			t.Fatalf("Members(%q): %v", in, err)
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
			t.Errorf("Members(%q) = %v, encoding/json reads %v", in, got, want)
		}
	}
}

func TestNodeText(t *testing.T) {
	for in, want := range map[string]string{`"plain"`: "plain", `"a\nb"`: "a\nb", `"\u00e9t\u00e9"`: "été", "\"\xff\"": "\ufffd", `"été"`: "été"} {
		n, err := Parse([]byte(in), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := n.Text(); err != nil || got != want {
			t.Errorf("Text(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzScannerAgrees: the scanner and the reference checker agree on every input.
func FuzzScannerAgrees(f *testing.F) {
	for _, in := range agreementCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := Check(data), referenceCheck(data)
		if verdict(got) != verdict(want) {
			t.Fatalf("Check(%q) = %v, the reference says %v", data, got, want)
		}
	})
}
