package features

import (
	"strings"
	"testing"
)

// Every section the project cites must exist, with the numbering the catalogue and the code use.
func TestSpecHasEveryNumberedSection(t *testing.T) {
	spec, err := LoadSpec(Files())
	if err != nil {
		t.Fatal(err)
	}
	want := []Section{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}
	for i := 1; i <= 6; i++ {
		want = append(want, Section("4."+string(rune('0'+i))))
	}
	for i := 1; i <= 8; i++ {
		want = append(want, Section("10."+string(rune('0'+i))), Section("11."+string(rune('0'+i))))
	}
	for i := 1; i <= 9; i++ {
		want = append(want, Section("12."+string(rune('0'+i))))
	}
	for _, n := range want {
		sec, ok := spec.Lookup(n)
		if !ok {
			t.Errorf("SPEC.md has no section %s", n)
			continue
		}
		if sec.Title == "" || sec.Text == "" {
			t.Errorf("section %s has an empty title or body", n)
		}
	}
	for i := 1; i < len(spec.Sections); i++ {
		if !spec.Sections[i-1].Number.Less(spec.Sections[i].Number) {
			t.Errorf("section %s comes after %s", spec.Sections[i].Number, spec.Sections[i-1].Number)
		}
	}
}

// Every rule of SPEC.md carries a label; a paragraph or list item without one would leave a vendor guessing.
func TestSpecLabelsEveryRule(t *testing.T) {
	spec, err := LoadSpec(Files())
	if err != nil {
		t.Fatal(err)
	}
	four, _ := spec.Lookup("4")
	if !strings.Contains(four.Text, "### 4.1") || !strings.Contains(four.Text, "[decided]") {
		t.Errorf("section 4 should include its subsections, got %q", four.Text)
	}
	for _, s := range spec.Sections {
		if !strings.Contains(s.Text, "[documented") && !strings.Contains(s.Text, "[observed") &&
			!strings.Contains(s.Text, "[decided") {
			t.Errorf("section %s carries no label", s.Number)
		}
	}
}

func TestSectionOrder(t *testing.T) {
	cases := []struct {
		a, b Section
		less bool
	}{
		{"4", "4.1", true}, {"4.1", "4.2", true}, {"4.2", "10", true}, {"10", "9", false}, {"11.3", "12", true},
		{"12.9", "12.10", true}, {"4", "4", false},
	}
	for _, c := range cases {
		if got := c.a.Less(c.b); got != c.less {
			t.Errorf("%s < %s = %v, want %v", c.a, c.b, got, c.less)
		}
	}
	if !Section("11.3").Within("11") || Section("1.3").Within("11") || Section("11").Top() != "11" {
		t.Error("Within/Top")
	}
}
