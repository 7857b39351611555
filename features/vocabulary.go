package features

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Phrase is one step phrase of the vocabulary.
type Phrase struct {
	// ID is the phrase's number in the README, for example "V07".
	ID string
	// Pattern is the phrase as written in the README, macros unexpanded: `^{user} dials {party}$`.
	Pattern string
	// Expanded is Pattern with every macro replaced: the regular expression a step definition registers.
	Expanded string
	// DocString is true when the step takes a doc string (the pattern ends with ":$").
	DocString bool

	re *regexp.Regexp
}

// Regexp returns the compiled Expanded pattern.
func (p Phrase) Regexp() *regexp.Regexp { return p.re }

// Vocabulary is the complete list of step phrases, read from the README.
type Vocabulary struct {
	// Macros maps a macro name (without braces) to its regular expression as written in the README.
	Macros  map[string]string
	Phrases []Phrase
}

// Match returns every phrase whose expanded pattern matches the step text. A well-formed suite has exactly
// one match for each step.
func (v *Vocabulary) Match(text string) []Phrase {
	var out []Phrase
	for _, p := range v.Phrases {
		if p.re.MatchString(text) {
			out = append(out, p)
		}
	}
	return out
}

// ErrVocabulary is wrapped by every error LoadVocabulary returns.
var ErrVocabulary = errors.New("vocabulary")

// The README declares a macro on a line that starts with "* `{name}` := `" followed by the regular expression
// and a closing backquote, and a phrase on a line "#### Vnn: " followed by the backquoted pattern "^...$".
var (
	macroLine  = regexp.MustCompile("^\\* `\\{([a-z]+)\\}` := `(.+)`")
	phraseLine = regexp.MustCompile("^#### (V[0-9]{2}): `(\\^.*\\$)`\\s*$")
	macroRef   = regexp.MustCompile(`\{([a-z]+)\}`)
)

// LoadVocabulary reads VocabularyPath from fsys and compiles every phrase with its macros expanded.
func LoadVocabulary(fsys fs.FS) (*Vocabulary, error) {
	raw, err := fs.ReadFile(fsys, VocabularyPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVocabulary, err)
	}
	return parseVocabulary(raw)
}

func parseVocabulary(raw []byte) (*Vocabulary, error) {
	v := &Vocabulary{Macros: map[string]string{}}
	type pending struct {
		id, pattern string
		line        int
	}
	var phrases []pending
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := macroLine.FindStringSubmatch(line); m != nil {
			if _, dup := v.Macros[m[1]]; dup {
				errs = append(errs, fmt.Errorf("%s:%d: macro {%s} declared twice", VocabularyPath, n, m[1]))
			}
			v.Macros[m[1]] = m[2]
			continue
		}
		if m := phraseLine.FindStringSubmatch(line); m != nil {
			phrases = append(phrases, pending{id: m[1], pattern: m[2], line: n})
			continue
		}
		if strings.HasPrefix(line, "#### V") {
			errs = append(errs, fmt.Errorf("%s:%d: phrase heading must read #### Vnn: `^...$`", VocabularyPath, n))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVocabulary, err)
	}
	seen := map[string]bool{}
	for _, p := range phrases {
		if seen[p.id] {
			errs = append(errs, fmt.Errorf("%s:%d: phrase %s declared twice", VocabularyPath, p.line, p.id))
		}
		seen[p.id] = true
		expanded, err := expandMacros(p.pattern, v.Macros)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", VocabularyPath, p.line, p.id, err))
			continue
		}
		re, err := regexp.Compile(expanded)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", VocabularyPath, p.line, p.id, err))
			continue
		}
		v.Phrases = append(v.Phrases, Phrase{
			ID: p.id, Pattern: p.pattern, Expanded: expanded, re: re,
			DocString: strings.HasSuffix(p.pattern, ":$"),
		})
	}
	if len(phrases) == 0 {
		errs = append(errs, fmt.Errorf("%s: no phrase headings found", VocabularyPath))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrVocabulary, errors.Join(errs...))
	}
	return v, nil
}

// expandMacros replaces {name} references until none is left. Macros may use other macros; a cycle or an
// unknown name is an error. Regular-expression counts such as \d{3} are not macro references (no letters).
func expandMacros(pattern string, macros map[string]string) (string, error) {
	out := pattern
	for depth := 0; macroRef.MatchString(out); depth++ {
		if depth > 8 {
			return "", fmt.Errorf("macros nest too deeply (a cycle?) in %q", pattern)
		}
		var unknown []string
		out = macroRef.ReplaceAllStringFunc(out, func(ref string) string {
			name := ref[1 : len(ref)-1]
			body, ok := macros[name]
			if !ok {
				unknown = append(unknown, ref)
				return ref
			}
			return body
		})
		if len(unknown) > 0 {
			return "", fmt.Errorf("unknown macro %s", strings.Join(unknown, ", "))
		}
	}
	return out, nil
}
