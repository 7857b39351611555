package features

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// minimumScenarios is the size the suite must keep (outline rows count).
const minimumScenarios = 70

// The SPEC.md sections the suite must cover completely (a section counts when it or a subsection is checked).
var requiredSections = []Section{"3", "4", "5", "6", "7"}

func TestSuiteIsConsistent(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"embedded": Files(), "folder": os.DirFS(".")} {
		t.Run(name, func(t *testing.T) {
			if err := Check(fsys); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEmbeddedCopyMatchesFolder(t *testing.T) {
	embeddedFiles := suiteFiles(t, Files())
	folderFiles := suiteFiles(t, os.DirFS("."))
	if !slices.Equal(embeddedFiles, folderFiles) {
		t.Fatalf("embedded files %v differ from the folder's %v; widen the //go:embed patterns in embed.go",
			embeddedFiles, folderFiles)
	}
	for _, p := range folderFiles {
		a, err := fs.ReadFile(Files(), p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: embedded content differs from the file on disk", p)
		}
	}
}

// suiteFiles lists the files the suite consists of: feature files, the catalogue and the README.
func suiteFiles(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".feature") || p == CataloguePath || p == VocabularyPath || p == SpecPath) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestSuiteSizeAndCoverage(t *testing.T) {
	scenarios, err := Scenarios(Files())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	labels := map[Label]int{}
	for _, s := range scenarios {
		total += s.Count()
		labels[s.Label] += s.Count()
	}
	if total < minimumScenarios {
		t.Errorf("the suite has %d scenarios (outline rows counted), want at least %d", total, minimumScenarios)
	}
	if labels[Documented] == 0 || labels[Inferred] == 0 {
		t.Errorf("labels %v: expected both documented and inferred scenarios", labels)
	}
	t.Logf("%d scenarios: %d documented, %d inferred", total, labels[Documented], labels[Inferred])

	cat, err := LoadCatalogue(Files())
	if err != nil {
		t.Fatal(err)
	}
	covered := map[Section]bool{}
	for _, e := range cat.Entries {
		for _, s := range e.Sections {
			covered[s.Top()] = true
		}
	}
	for _, s := range requiredSections {
		if !covered[s] {
			t.Errorf("no catalogued scenario checks SPEC.md section %s", s)
		}
	}
}

func TestEveryPhraseIsUsed(t *testing.T) {
	vocab, err := LoadVocabulary(Files())
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]int{}
	for _, text := range pickleStepTexts(t, Files()) {
		for _, p := range vocab.Match(text) {
			used[p.ID]++
		}
	}
	for _, p := range vocab.Phrases {
		if used[p.ID] == 0 {
			t.Errorf("phrase %s %s is used by no feature; drop it or use it", p.ID, p.Pattern)
		}
	}
}

func pickleStepTexts(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	docs, probs := parseAll(fsys)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var out []string
	for _, d := range docs {
		for _, pk := range gherkin.Pickles(*d.doc, d.file, (&messages.Incrementing{}).NewId) {
			for _, st := range pk.Steps {
				out = append(out, st.Text)
			}
		}
	}
	return out
}

func TestRoleMacroListsTheRoles(t *testing.T) {
	vocab, err := LoadVocabulary(Files())
	if err != nil {
		t.Fatal(err)
	}
	want := "(?:" + strings.Join(Roles(), "|") + ")"
	if got := vocab.Macros["role"]; got != want {
		t.Fatalf("README macro {role} = %q, want %q (Roles())", got, want)
	}
}

func TestVocabularyMatchesExamples(t *testing.T) {
	vocab, err := LoadVocabulary(Files())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text   string
		phrase string   // "" means no phrase may match
		groups []string // submatches after the whole match, when checked
	}{
		{"customer1, agent1 and supervisor1 are logged in", "V01", []string{"customer1, agent1 and supervisor1"}},
		{"agent1 is logged in", "V01", []string{"agent1"}},
		{"supervisor1 starts Coach on agent1 with scope Agent and mode NextCall", "V14",
			[]string{"supervisor1", "starts", "Coach", "on agent1", "", "Agent", "NextCall"}},
		{"supervisor1 tries to start Coach on agent1 through supervisor2's device", "V14",
			[]string{"supervisor1", "tries to start", "Coach", "on agent1", "supervisor2", "", ""}},
		{"supervisor1 starts ListenIn on agent1 with mode NextCall", "V14",
			[]string{"supervisor1", "starts", "ListenIn", "on agent1", "", "", "NextCall"}},
		{"supervisor1 tries to start BargeIn without a target", "V14", nil},
		{"supervisor1 receives a StatusChange call notification with:", "V30", []string{"supervisor1", "StatusChange", "call"}},
		{"supervisor1 receives a device notification with:", "V30", []string{"supervisor1", "", "device"}},
		{"supervisor1 receives no new call within the quiet period", "V33", []string{"supervisor1", "new call"}},
		{"supervisor1 receives no release of its call within the quiet period", "V33", []string{"supervisor1", "release of its call"}},
		{"supervisor1 receives no change to its subscription within the quiet period", "V33",
			[]string{"supervisor1", "change to its subscription"}},
		{"customer1 receives no change to their call's participants within the quiet period", "V33",
			[]string{"customer1", "change to their call's participants"}},
		{"agent1 receives no change of any kind within the quiet period", "V33", []string{"agent1", "change of any kind"}},
		{"agent1 receives no notification within the quiet period", "", nil},
		{"supervisor1 receives no call notification within the quiet period", "", nil},
		{"agent2 receives no call listing supervisor1 within the quiet period", "V34",
			[]string{"agent2", "listing supervisor1", "supervisor1"}},
		{"agent2 receives no call showing a supervisor listening in within the quiet period", "V34",
			[]string{"agent2", "showing a supervisor listening in", ""}},
		{"an anonymous client sends GET /api/v2/me", "V20", []string{"an anonymous client", "GET", "/api/v2/me", ""}},
		{"agent1 sends GET /api/v2/me with its session cookie only", "V20",
			[]string{"agent1", "GET", "/api/v2/me", "its session cookie only"}},
		{"that notification does not offer UnmuteMonitoredUser, SwitchToListenIn or SwitchToCoach", "V35",
			[]string{"UnmuteMonitoredUser, SwitchToListenIn or SwitchToCoach"}},
		{"agent9 answers", "", nil},
		{"supervisor1 starts Coach on agent1 please", "", nil},
		{"customer1 dials 5001", "", nil},
	}
	for _, c := range cases {
		matches := vocab.Match(c.text)
		if c.phrase == "" {
			if len(matches) != 0 {
				t.Errorf("%q: want no phrase, got %s", c.text, matches[0].ID)
			}
			continue
		}
		if len(matches) != 1 || matches[0].ID != c.phrase {
			ids := []string{}
			for _, m := range matches {
				ids = append(ids, m.ID)
			}
			t.Errorf("%q: want exactly %s, got %v", c.text, c.phrase, ids)
			continue
		}
		if c.groups != nil {
			got := matches[0].Regexp().FindStringSubmatch(c.text)[1:]
			if !slices.Equal(got, c.groups) {
				t.Errorf("%q: groups %q, want %q", c.text, got, c.groups)
			}
		}
	}
}

// The checker's own table: small in-memory suites, each broken in one way.

const tinyReadme = "# tiny\n" +
	"* `{role}` := `(?:agent1|agent2)`\n" +
	"* `{user}` := `({role})`\n" +
	"#### V01: `^{user} waves$`\n" +
	"#### V02: `^{user} sees:$`\n"

const tinyFeature = `Feature: Waving

  @T-WAVE-001 @documented
  Scenario: Agents wave
    A wave MUST be seen.
    Given agent1 waves
    Then agent2 sees:
      """
      {"who": "${agent1.dn}", "where": "${agent1.deviceUri}"}
      """
`

const tinyOutline = `Feature: Waving

  @T-WAVE-001 @documented
  Scenario Outline: Agents wave
    A wave MUST be seen.
    Given <who> waves

    Examples:
      | id  | who    |
      | one | agent1 |
      | two | agent2 |
`

const tinyCatalogue = `scenarios:
  - id: T-WAVE-001
    feature: a/wave.feature
    title: Agents wave
    label: documented
    sections: [4]
`

const tinySpec = "# tiny spec\n## How to read it\nno numbers here\n" +
	"## 4. Waving\nAgents wave. [documented]\n### 4.1 Seeing\nA wave is seen. [decided]\n" +
	"## 5. Leaving\nAgents leave. [observed]\n"

func tinySuite() fstest.MapFS {
	return fstest.MapFS{
		SpecPath:         {Data: []byte(tinySpec)},
		VocabularyPath:   {Data: []byte(tinyReadme)},
		CataloguePath:    {Data: []byte(tinyCatalogue)},
		"a/wave.feature": {Data: []byte(tinyFeature)},
	}
}

func edit(fsys fstest.MapFS, file, old, new string) {
	s := string(fsys[file].Data)
	if !strings.Contains(s, old) {
		panic("test fixture " + file + " lacks " + old)
	}
	fsys[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

func put(fsys fstest.MapFS, file, content string) {
	fsys[file] = &fstest.MapFile{Data: []byte(content)}
}

func TestCheckFindsEachKindOfProblem(t *testing.T) {
	const feat = "a/wave.feature"
	cases := []struct {
		name  string
		apply func(fstest.MapFS)
		want  string // substring of one problem; "" means the suite must pass
	}{
		{"valid suite", func(fstest.MapFS) {}, ""},
		{"valid outline", func(f fstest.MapFS) {
			put(f, feat, tinyOutline)
			edit(f, CataloguePath, "sections: [4]", "sections: [4]\n    rows: [one, two]")
		}, ""},
		{"known gap with its Gap line", func(f fstest.MapFS) {
			edit(f, feat, "@documented", "@documented @known-gap")
			edit(f, feat, "A wave MUST be seen.", "A wave MUST be seen.\n    Gap: nobody looks yet.")
		}, ""},
		{"no ID tag", func(f fstest.MapFS) { edit(f, feat, "@T-WAVE-001 ", "") }, "has no ID tag"},
		{"two ID tags", func(f fstest.MapFS) { edit(f, feat, "@T-WAVE-001", "@T-WAVE-001 @T-WAVE-009") }, "2 ID tags"},
		{"no label", func(f fstest.MapFS) { edit(f, feat, " @documented", "") }, "exactly one of @documented / @observed / @inferred"},
		{"two labels", func(f fstest.MapFS) { edit(f, feat, "@documented", "@documented @inferred") },
			"exactly one of @documented / @observed / @inferred"},
		{"misspelt label", func(f fstest.MapFS) { edit(f, feat, "@documented", "@documented @infered") }, "unknown tag @infered"},
		{"label on the feature", func(f fstest.MapFS) { edit(f, feat, "Feature: Waving", "@inferred\nFeature: Waving") },
			"@inferred on a Feature"},
		{"no description", func(f fstest.MapFS) { edit(f, feat, "    A wave MUST be seen.\n", "") }, "no description line"},
		{"description without MUST", func(f fstest.MapFS) { edit(f, feat, "A wave MUST be seen.", "A wave is seen.") },
			"must say what MUST hold"},
		{"description without period", func(f fstest.MapFS) { edit(f, feat, "MUST be seen.", "MUST be seen") },
			"ending with a period"},
		{"known gap without Gap line", func(f fstest.MapFS) { edit(f, feat, "@documented", "@documented @known-gap") },
			"no line starting with \"Gap:\""},
		{"scenario missing from the catalogue", func(f fstest.MapFS) {
			put(f, feat, tinyFeature+"\n  @T-WAVE-002 @inferred\n  Scenario: Again\n    It MUST work.\n    Given agent2 waves\n")
		}, "@T-WAVE-002 is missing from catalogue.yaml"},
		{"catalogue entry without scenario", func(f fstest.MapFS) {
			put(f, CataloguePath, tinyCatalogue+"  - id: T-WAVE-003\n    feature: a/wave.feature\n    title: Gone\n    label: inferred\n    sections: [5]\n")
		}, "T-WAVE-003 is catalogued but no scenario"},
		{"duplicate ID in two files", func(f fstest.MapFS) { put(f, "b/copy.feature", tinyFeature) }, "duplicate ID @T-WAVE-001"},
		{"one prefix in two files", func(f fstest.MapFS) {
			put(f, "b/more.feature", strings.ReplaceAll(tinyFeature, "T-WAVE-001", "T-WAVE-002"))
			put(f, CataloguePath, tinyCatalogue+"  - id: T-WAVE-002\n    feature: b/more.feature\n    title: Agents wave\n    label: documented\n    sections: [4]\n")
		}, "ID prefix T-WAVE is already used in a/wave.feature"},
		{"title differs", func(f fstest.MapFS) { edit(f, CataloguePath, "title: Agents wave", "title: Agents wave twice") },
			"differs from scenario title"},
		{"label differs", func(f fstest.MapFS) { edit(f, CataloguePath, "label: documented", "label: inferred") },
			"catalogue label \"inferred\" differs"},
		{"feature differs", func(f fstest.MapFS) { edit(f, CataloguePath, "feature: a/wave.feature", "feature: a/other.feature") },
			"catalogue says feature"},
		{"bad catalogue label", func(f fstest.MapFS) { edit(f, CataloguePath, "label: documented", "label: guessed") },
			"is not documented, observed or inferred"},
		{"unknown catalogue field", func(f fstest.MapFS) { edit(f, CataloguePath, "sections: [4]", "sections: [4]\n    section: 4") },
			"field section not found"},
		{"subsection and observed label", func(f fstest.MapFS) {
			edit(f, CataloguePath, "sections: [4]", "sections: [4.1, \"5\"]")
			edit(f, CataloguePath, "label: documented", "label: observed")
			edit(f, feat, "@documented", "@observed")
		}, ""},
		{"section not in the spec", func(f fstest.MapFS) { edit(f, CataloguePath, "sections: [4]", "sections: [12]") },
			"section 12 is not a section of SPEC.md"},
		{"subsection not in the spec", func(f fstest.MapFS) { edit(f, CataloguePath, "sections: [4]", "sections: [4.2]") },
			"section 4.2 is not a section of SPEC.md"},
		{"section not a number", func(f fstest.MapFS) { edit(f, CataloguePath, "sections: [4]", "sections: [four]") },
			"is not a section number"},
		{"missing spec", func(f fstest.MapFS) { delete(f, SpecPath) }, "SPEC.md"},
		{"subsection outside its section", func(f fstest.MapFS) { put(f, SpecPath, tinySpec+"### 4.2 Late\nx\n") },
			"subsection 4.2 is not inside section 4"},
		{"section twice", func(f fstest.MapFS) { put(f, SpecPath, tinySpec+"## 4. Again\nx\n") }, "section 4 appears twice"},
		{"outline rows differ", func(f fstest.MapFS) {
			put(f, feat, tinyOutline)
			edit(f, CataloguePath, "sections: [4]", "sections: [4]\n    rows: [one, three]")
		}, "catalogue rows [one three] differ"},
		{"outline without id column", func(f fstest.MapFS) {
			put(f, feat, strings.NewReplacer("| id  | who    |", "| who    |", "| one | agent1 |", "| agent1 |", "| two | agent2 |", "| agent2 |").Replace(tinyOutline))
		}, "needs \"id\" as its first column"},
		{"duplicate row id", func(f fstest.MapFS) {
			put(f, feat, strings.Replace(tinyOutline, "| two | agent2 |", "| one | agent2 |", 1))
		}, "duplicate row id \"one\""},
		{"malformed row id", func(f fstest.MapFS) {
			put(f, feat, strings.Replace(tinyOutline, "| two | agent2 |", "| Two | agent2 |", 1))
		}, "row id \"Two\""},
		{"ID tag on Examples", func(f fstest.MapFS) {
			put(f, feat, strings.Replace(tinyOutline, "    Examples:", "    @T-WAVE-005\n    Examples:", 1))
		}, "@T-WAVE-005 on a Examples"},
		{"unknown step", func(f fstest.MapFS) { edit(f, feat, "agent1 waves", "agent1 jumps") }, "matches no vocabulary phrase"},
		{"unknown role", func(f fstest.MapFS) { edit(f, feat, "agent1 waves", "agent9 waves") }, "matches no vocabulary phrase"},
		{"ambiguous step", func(f fstest.MapFS) {
			put(f, VocabularyPath, tinyReadme+"#### V03: `^{user} wave.$`\n")
		}, "matches 2 phrases"},
		{"missing doc string", func(f fstest.MapFS) {
			put(f, feat, tinyFeature[:strings.Index(tinyFeature, "      \"\"\"")])
		}, "needs a doc string"},
		{"superfluous doc string", func(f fstest.MapFS) {
			edit(f, feat, "Given agent1 waves\n", "Given agent1 waves\n      \"\"\"\n      {}\n      \"\"\"\n")
		}, "takes no doc string"},
		{"data table", func(f fstest.MapFS) { edit(f, feat, "Given agent1 waves\n", "Given agent1 waves\n      | a |\n") },
			"has a data table"},
		{"doc string not JSON", func(f fstest.MapFS) { edit(f, feat, `{"who"`, `{who`) }, "is not a JSON object"},
		{"doc string not an object", func(f fstest.MapFS) {
			edit(f, feat, `{"who": "${agent1.dn}", "where": "${agent1.deviceUri}"}`, `["x"]`)
		}, "is not a JSON object"},
		{"unknown placeholder attribute", func(f fstest.MapFS) { edit(f, feat, "${agent1.dn}", "${agent1.phone}") },
			"unknown placeholder"},
		{"unknown placeholder role", func(f fstest.MapFS) { edit(f, feat, "${agent1.dn}", "${boss.dn}") }, "unknown placeholder"},
		{"unparsable feature", func(f fstest.MapFS) {
			put(f, "b/broken.feature", "Feature: A\n  Scenario Outline: x\n    Given agent1 waves\n    Examples:\n      | id |\n      | a | b |\n")
		}, "does not parse"},
		{"no feature files", func(f fstest.MapFS) { delete(f, feat) }, "no feature files found"},
		{"vocabulary with an unknown macro", func(f fstest.MapFS) {
			put(f, VocabularyPath, tinyReadme+"#### V03: `^{nobody} hides$`\n")
		}, "unknown macro {nobody}"},
		{"vocabulary with a bad regexp", func(f fstest.MapFS) {
			put(f, VocabularyPath, tinyReadme+"#### V03: `^{user} (hides$`\n")
		}, "missing closing )"},
		{"vocabulary with a duplicate phrase id", func(f fstest.MapFS) {
			put(f, VocabularyPath, tinyReadme+"#### V02: `^{user} hides$`\n")
		}, "phrase V02 declared twice"},
		{"missing catalogue", func(f fstest.MapFS) { delete(f, CataloguePath) }, "catalogue.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := tinySuite()
			c.apply(fsys)
			err := Check(fsys)
			if c.want == "" {
				if err != nil {
					t.Fatalf("want no problem, got %v", err)
				}
				return
			}
			var ce *CheckError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInconsistent) {
				t.Fatalf("want a *CheckError wrapping ErrInconsistent, got %v", err)
			}
			for _, p := range ce.Problems {
				if strings.Contains(p.String(), c.want) {
					return
				}
			}
			t.Fatalf("no problem mentions %q; got:\n%v", c.want, err)
		})
	}
}

func TestScenariosReportsOutlineRows(t *testing.T) {
	fsys := tinySuite()
	put(fsys, "a/wave.feature", tinyOutline)
	got, err := Scenarios(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("want one scenario, got %d", len(got))
	}
	s := got[0]
	if s.ID != "T-WAVE-001" || s.Label != Documented || s.Title != "Agents wave" || s.Must != "A wave MUST be seen." ||
		!slices.Equal(s.Rows, []string{"one", "two"}) || s.Count() != 2 || s.Line != 4 {
		t.Fatalf("unexpected scenario %+v", s)
	}
	if RowID(s.ID, s.Rows[1]) != "T-WAVE-001/two" {
		t.Fatalf("RowID = %q", RowID(s.ID, s.Rows[1]))
	}
}

func TestScenariosFailsOnUnparsableFile(t *testing.T) {
	fsys := tinySuite()
	put(fsys, "b/broken.feature", "Feature: A\n  Scenario Outline: x\n    Given agent1 waves\n    Examples:\n      | id |\n      | a | b |\n")
	if _, err := Scenarios(fsys); !errors.Is(err, ErrInconsistent) {
		t.Fatalf("want ErrInconsistent, got %v", err)
	}
}

func TestCatalogueLookupAndCount(t *testing.T) {
	cat, err := LoadCatalogue(Files())
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cat.Lookup("SUP-SCOPE-001")
	if !ok || e.Label != Inferred || e.Count() != 6 || e.Feature != "supervision/scope.feature" {
		t.Fatalf("SUP-SCOPE-001: got %+v, %v", e, ok)
	}
	if _, ok := cat.Lookup("SUP-NOPE-001"); ok {
		t.Fatal("lookup of an unknown ID succeeded")
	}
	if !errors.Is(func() error { _, err := LoadCatalogue(fstest.MapFS{}); return err }(), ErrCatalogue) {
		t.Fatal("a missing catalogue must wrap ErrCatalogue")
	}
}

// copyOf loads the real suite into a MapFS so a test can break it in one place.
func copyOf(t *testing.T, fsys fs.FS) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	for _, p := range suiteFiles(t, fsys) {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = &fstest.MapFile{Data: b}
	}
	return out
}

func TestCheckCatchesBreakagesOfTheRealSuite(t *testing.T) {
	const coach = "supervision/coach.feature"
	cases := []struct {
		name, file, old, new, want string
	}{
		{"catalogue entry dropped", CataloguePath, "  - id: SUP-COACH-003\n", "  - id: SUP-COACH-033\n",
			"@SUP-COACH-003 is missing"},
		{"label flipped", coach, "@SUP-COACH-001 @inferred", "@SUP-COACH-001 @documented", "catalogue label"},
		{"step reworded", coach, "Then agent1 receives a ParticipantsUpdated", "Then agent1 gets a ParticipantsUpdated",
			"matches no vocabulary phrase"},
		{"description turned into a step", coach, "    The agent's call MUST list", "    When the agent's call MUST list",
			"no description line"},
		{"outline row renamed", "supervision/scope.feature", "| listenin-single  |", "| listen-single    |",
			"differ from the outline's id column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := copyOf(t, Files())
			edit(fsys, c.file, c.old, c.new)
			err := Check(fsys)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a problem mentioning %q, got %v", c.want, err)
			}
		})
	}
}
