package steps

import (
	"bytes"
	"io/fs"
	"path"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/cucumber/godog"
)

// featureIndex knows, for every scenario (and outline row) of a features tree, its conformance ID, its
// MUST sentence and the keyword and line of each step — what godog's pickles do not carry.
type featureIndex struct {
	byKey    map[string]scenarioInfo
	features map[string]featureInfo
}

type scenarioInfo struct {
	id          string
	description string
	line        int
	steps       []stepInfo
}

type stepInfo struct {
	keyword string
	line    int
}

type featureInfo struct{ name, description string }

func pickleKey(uri string, texts []string) string {
	return strings.TrimPrefix(uri, "./") + "\x00" + strings.Join(texts, "\x00")
}

func indexFeatures(fsys fs.FS) *featureIndex {
	ix := &featureIndex{byKey: map[string]scenarioInfo{}, features: map[string]featureInfo{}}
	if fsys == nil {
		return ix
	}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".feature" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		n := 0
		newID := func() string { n++; return strconv.Itoa(n) }
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(data), newID)
		if err != nil || doc.Feature == nil {
			return nil
		}
		ix.features[p] = featureInfo{name: doc.Feature.Name, description: strings.TrimSpace(doc.Feature.Description)}
		ix.addDocument(p, doc, newID)
		return nil
	})
	return ix
}

func (ix *featureIndex) addDocument(uri string, doc *messages.GherkinDocument, newID func() string) {
	scenarios := map[string]*messages.Scenario{}
	var background []*messages.Step
	collect := func(children []*messages.FeatureChild) {
		for _, ch := range children {
			if ch.Background != nil {
				background = append(background, ch.Background.Steps...)
			}
			if ch.Scenario != nil {
				scenarios[ch.Scenario.Id] = ch.Scenario
			}
		}
	}
	collect(doc.Feature.Children)
	for _, ch := range doc.Feature.Children {
		if ch.Rule != nil {
			for _, rc := range ch.Rule.Children {
				if rc.Scenario != nil {
					scenarios[rc.Scenario.Id] = rc.Scenario
				}
				if rc.Background != nil {
					background = append(background, rc.Background.Steps...)
				}
			}
		}
	}
	stepsByID := map[string]*messages.Step{}
	rowsByID := map[string]rowRef{}
	for _, sc := range scenarios {
		for _, st := range sc.Steps {
			stepsByID[st.Id] = st
		}
		for _, ex := range sc.Examples {
			col := -1
			if ex.TableHeader != nil {
				for i, c := range ex.TableHeader.Cells {
					if c.Value == "id" {
						col = i
					}
				}
			}
			for _, row := range ex.TableBody {
				ref := rowRef{}
				if col >= 0 && col < len(row.Cells) {
					ref.id = row.Cells[col].Value
				}
				ref.line = int(row.Location.Line)
				rowsByID[row.Id] = ref
			}
		}
	}
	for _, st := range background {
		stepsByID[st.Id] = st
	}
	for _, p := range gherkin.Pickles(*doc, uri, newID) {
		if len(p.AstNodeIds) == 0 {
			continue
		}
		sc := scenarios[p.AstNodeIds[0]]
		if sc == nil {
			continue
		}
		info := scenarioInfo{description: mustSentence(sc.Description), line: int(sc.Location.Line)}
		for _, t := range sc.Tags {
			if isConformanceID(t.Name) {
				info.id = strings.TrimPrefix(t.Name, "@")
			}
		}
		if len(p.AstNodeIds) > 1 {
			if ref, ok := rowsByID[p.AstNodeIds[1]]; ok {
				if ref.id != "" && info.id != "" {
					info.id += "/" + ref.id
				}
				info.line = ref.line
			}
		}
		texts := make([]string, len(p.Steps))
		for i, ps := range p.Steps {
			texts[i] = ps.Text
			si := stepInfo{}
			if len(ps.AstNodeIds) > 0 {
				if st := stepsByID[ps.AstNodeIds[0]]; st != nil {
					si = stepInfo{keyword: st.Keyword, line: int(st.Location.Line)}
				}
			}
			info.steps = append(info.steps, si)
		}
		ix.byKey[pickleKey(uri, texts)] = info
	}
}

type rowRef struct {
	id   string
	line int
}

// isConformanceID reports whether a tag looks like @ABC-DEF-001.
func isConformanceID(tag string) bool {
	t := strings.TrimPrefix(tag, "@")
	parts := strings.Split(t, "-")
	if len(parts) < 2 || t == tag {
		return false
	}
	last := parts[len(parts)-1]
	if _, err := strconv.Atoi(last); err != nil {
		return false
	}
	return strings.ToUpper(t) == t
}

// mustSentence is the first non-empty line of a scenario's description.
func mustSentence(desc string) string {
	for _, l := range strings.Split(desc, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func (ix *featureIndex) lookup(s *godog.Scenario) scenarioInfo {
	texts := make([]string, len(s.Steps))
	for i, st := range s.Steps {
		texts[i] = st.Text
	}
	if info, ok := ix.byKey[pickleKey(s.Uri, texts)]; ok {
		return info
	}
	info := scenarioInfo{}
	for _, t := range s.Tags {
		if isConformanceID(t.Name) {
			info.id = strings.TrimPrefix(t.Name, "@")
		}
	}
	return info
}

func (ix *featureIndex) feature(uri string) featureInfo {
	return ix.features[strings.TrimPrefix(uri, "./")]
}
