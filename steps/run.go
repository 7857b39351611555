package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/reports"
	"github.com/coachsim/coachsim/steps/internal/eventlog"
	"github.com/coachsim/coachsim/steps/internal/gws"
)

// RunOptions configure one run of the suite.
type RunOptions struct {
	Options
	// Features is the tree of .feature files (e.g. features.FS()).
	Features fs.FS
	// Paths inside Features to run (default: all).
	Paths []string
	// Tags is a godog tag expression, e.g. "@SUP-COACH-001" or "~@inferred".
	Tags string
	// Format is a godog formatter name (default "progress"); Output receives it.
	Format string
	Output io.Writer
	// Concurrency is how many scenarios run at once on an isolated target (default 4); a shared target
	// always runs one at a time.
	Concurrency int
	// Randomize seeds the scenario order; 0 keeps file order.
	Randomize int64
	// Name of the suite in godog's output.
	Name string
	// OnScenario, if set, is called as each scenario ends, with its outcome (for live progress). Calls may
	// come from several goroutines, never at once.
	OnScenario func(reports.Scenario)
}

// Run executes the suite once and returns godog's status (0 passed, 1 failed, 2 a godog usage error) and
// the recorded outcome of every scenario.
func Run(ctx context.Context, ro RunOptions) (int, []reports.Feature) {
	opts := ro.Options.withDefaults()
	conc := ro.Concurrency
	if conc <= 0 {
		conc = 4
	}
	if !opts.Target.Isolated() {
		conc = opts.MaxConcurrency() // one scenario per role set at a time
	}
	rec := newRecorder(ro.Features)
	rec.onScenario = ro.OnScenario
	opts.Observer = teeObserver{rec, opts.Observer}
	paths := ro.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	format := ro.Format
	if format == "" {
		format = "progress"
	}
	suite := godog.TestSuite{
		Name: ro.Name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			Register(sc, opts)
			rec.hook(sc)
		},
		Options: &godog.Options{
			FS:             ro.Features,
			Paths:          paths,
			Tags:           ro.Tags,
			Format:         format,
			Output:         ro.Output,
			Concurrency:    conc,
			Randomize:      ro.Randomize,
			Strict:         true,
			NoColors:       true,
			DefaultContext: ctx,
		},
	}
	status := suite.Run()
	return status, rec.features()
}

// Register adds the step vocabulary and the World hooks to a scenario context. Tests that drive godog
// themselves (go test) call it from their ScenarioInitializer.
func Register(sc *godog.ScenarioContext, opts Options) {
	opts = opts.withDefaults()
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		needs := Needs{}
		for _, t := range s.Tags {
			needs.SIPCluster = needs.SIPCluster || t.Name == "@sip-cluster"
		}
		w, err := newWorld(ctx, opts, s.Id, needs)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, worldKey{}, w), nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, scErr error) (context.Context, error) {
		w, _ := ctx.Value(worldKey{}).(*World)
		if w == nil {
			return ctx, nil
		}
		cctx, cancel := context.WithTimeout(context.Background(), 4*opts.Deadline)
		defer cancel()
		if err := w.close(cctx); err != nil && scErr == nil {
			return ctx, fmt.Errorf("returning the target to a clean state: %w", err)
		}
		return ctx, nil
	})
	registerVocabulary(sc)
}

// teeObserver feeds the recorder and an optional outside observer.
type teeObserver struct {
	rec   *recorder
	other Observer
}

func (t teeObserver) Exchange(id string, ex Exchange) {
	t.rec.Exchange(id, ex)
	if t.other != nil {
		t.other.Exchange(id, ex)
	}
}

func (t teeObserver) Notification(id string, n Received) {
	t.rec.Notification(id, n)
	if t.other != nil {
		t.other.Notification(id, n)
	}
}

// recorder turns godog hooks and observed traffic into the reports model.
type recorder struct {
	index *featureIndex

	onScenario func(reports.Scenario)

	mu        sync.Mutex
	scenarios map[string]*reports.Scenario // by pickle id
	uris      map[string]string            // pickle id -> feature uri
	order     []string
}

func newRecorder(fsys fs.FS) *recorder {
	return &recorder{index: indexFeatures(fsys), scenarios: map[string]*reports.Scenario{}, uris: map[string]string{}}
}

func (r *recorder) hook(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		info := r.index.lookup(s)
		rs := &reports.Scenario{ID: info.id, Name: s.Name, Description: info.description, Line: info.line,
			Started: time.Now(), Attempts: 1}
		for _, t := range s.Tags {
			rs.Tags = append(rs.Tags, t.Name)
		}
		for i, st := range s.Steps {
			step := reports.Step{Text: st.Text, Outcome: reports.Skipped}
			if i < len(info.steps) {
				step.Keyword, step.Line = info.steps[i].keyword, info.steps[i].line
			}
			if st.Argument != nil && st.Argument.DocString != nil {
				step.DocString = st.Argument.DocString.Content
			}
			if st.Argument != nil && st.Argument.DataTable != nil {
				for _, row := range st.Argument.DataTable.Rows {
					var cells []string
					for _, c := range row.Cells {
						cells = append(cells, c.Value)
					}
					step.Table = append(step.Table, cells)
				}
			}
			rs.Steps = append(rs.Steps, step)
		}
		r.mu.Lock()
		r.scenarios[s.Id] = rs
		r.uris[s.Id] = s.Uri
		r.order = append(r.order, s.Id)
		r.mu.Unlock()
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		r.withStep(ctx, st, func(s *reports.Step) { s.Started = time.Now() })
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		r.withStep(ctx, st, func(s *reports.Step) {
			s.Finished = time.Now()
			if s.Started.IsZero() {
				s.Started = s.Finished
			}
			s.Outcome = reports.Outcome(status.String())
			if err != nil {
				s.Error = err.Error()
				s.Expected, s.Closest = evidenceOf(err)
			}
		})
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		rs := r.scenarios[s.Id]
		if rs == nil {
			return ctx, nil
		}
		rs.Finished = time.Now()
		rs.Outcome = scenarioOutcome(rs.Steps, err)
		if err != nil && rs.Outcome == reports.Failed && !anyStepFailed(rs.Steps) {
			// a hook failed (e.g. clean-up): attach it to the last step so reports show it
			if n := len(rs.Steps); n > 0 {
				rs.Steps[n-1].Outcome, rs.Steps[n-1].Error = reports.Failed, err.Error()
			}
		}
		if r.onScenario != nil {
			r.onScenario(*rs)
		}
		return ctx, nil
	})
}

func (r *recorder) withStep(ctx context.Context, st *godog.Step, fn func(*reports.Step)) {
	w, _ := ctx.Value(worldKey{}).(*World)
	if w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.scenarios[w.scenarioID]
	if rs == nil {
		return
	}
	for i := range rs.Steps {
		if rs.Steps[i].Text == st.Text && rs.Steps[i].Finished.IsZero() {
			fn(&rs.Steps[i])
			return
		}
	}
}

func anyStepFailed(steps []reports.Step) bool {
	for _, s := range steps {
		if s.Outcome == reports.Failed {
			return true
		}
	}
	return false
}

func scenarioOutcome(steps []reports.Step, err error) reports.Outcome {
	out := reports.Passed
	for _, s := range steps {
		switch s.Outcome {
		case reports.Failed:
			return reports.Failed
		case reports.Undefined, reports.Pending:
			out = s.Outcome
		}
	}
	if err != nil && out == reports.Passed {
		return reports.Failed
	}
	return out
}

func (r *recorder) Exchange(id string, ex Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rs := r.scenarios[id]; rs != nil {
		rs.Exchanges = append(rs.Exchanges, reports.Exchange{Role: ex.Role, Method: ex.Method, Path: ex.Path,
			RequestBody: string(ex.RequestBody), HTTPStatus: ex.HTTPStatus, ResponseBody: string(ex.ResponseBody),
			Started: ex.Started, Finished: ex.Finished})
	}
}

func (r *recorder) Notification(id string, n Received) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rs := r.scenarios[id]; rs != nil {
		rs.Notifications = append(rs.Notifications, reports.Notification{Role: n.Role, Channel: n.Channel,
			Data: string(n.Data), Received: n.Received})
	}
}

// features groups the recorded scenarios by feature file, in file order then line order.
func (r *recorder) features() []reports.Feature {
	r.mu.Lock()
	defer r.mu.Unlock()
	byURI := map[string]*reports.Feature{}
	var uris []string
	for _, id := range r.order {
		uri := r.uris[id]
		f := byURI[uri]
		if f == nil {
			info := r.index.feature(uri)
			f = &reports.Feature{URI: uri, Name: info.name, Description: info.description}
			byURI[uri] = f
			uris = append(uris, uri)
		}
		rs := *r.scenarios[id]
		sort.SliceStable(rs.Exchanges, func(i, j int) bool { return rs.Exchanges[i].Started.Before(rs.Exchanges[j].Started) })
		sort.SliceStable(rs.Notifications, func(i, j int) bool {
			return rs.Notifications[i].Received.Before(rs.Notifications[j].Received)
		})
		f.Scenarios = append(f.Scenarios, rs)
	}
	sort.Strings(uris)
	out := make([]reports.Feature, 0, len(uris))
	for _, u := range uris {
		f := byURI[u]
		sort.SliceStable(f.Scenarios, func(i, j int) bool {
			if f.Scenarios[i].Line != f.Scenarios[j].Line {
				return f.Scenarios[i].Line < f.Scenarios[j].Line
			}
			return f.Scenarios[i].ID < f.Scenarios[j].ID
		})
		out = append(out, *f)
	}
	return out
}

// trimURI normalises godog's feature URIs (which may start with "./").
func trimURI(uri string) string { return strings.TrimPrefix(uri, "./") }

// ProbeError says the target could not be reached, or a role of the profile could not log in.
type ProbeError struct {
	Target string
	Role   string // empty when the server itself did not answer
	Err    error
}

func (e *ProbeError) Error() string {
	if e.Role == "" {
		return fmt.Sprintf("target %s unreachable: %v", e.Target, e.Err)
	}
	return fmt.Sprintf("role %s cannot log in to %s: %v", e.Role, e.Target, e.Err)
}

func (e *ProbeError) Unwrap() error { return e.Err }

// Probe checks, before a run, that the target answers GET /api/v2/diagnostics/version and that every role
// of the profile can log in; it returns the server's version. Failures are *ProbeError.
func Probe(ctx context.Context, opts Options) (string, error) {
	opts = opts.withDefaults()
	base, release, err := opts.Target.Acquire(ctx, Needs{})
	if err != nil {
		return "", &ProbeError{Target: "(embedded)", Err: err}
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	anon, err := gws.New(base, "", "", gws.Options{})
	if err != nil {
		return "", err
	}
	defer anon.CloseIdleConnections()
	version, err := anon.Version(ctx)
	if err != nil {
		return "", &ProbeError{Target: base, Err: err}
	}
	sets := opts.Profile.Sets()
	for i, set := range sets {
		names := make([]string, 0, len(set.Roles))
		for r := range set.Roles {
			names = append(names, r)
		}
		sort.Strings(names)
		for _, r := range names {
			cred := set.Roles[r]
			c, err := gws.New(base, cred.User, cred.Password, gws.Options{})
			if err != nil {
				return "", err
			}
			_, err = c.Me(ctx)
			c.CloseIdleConnections()
			if err != nil {
				role := r
				if len(sets) > 1 {
					role = fmt.Sprintf("%s of role set %d (user %s)", r, i+1, cred.User)
				}
				return "", &ProbeError{Target: base, Role: role, Err: err}
			}
		}
	}
	return version, nil
}

// evidenceOf extracts, from a failed wait, what was expected and the closest notification that arrived.
func evidenceOf(err error) (expected, closest string) {
	var te *eventlog.TimeoutError
	if errors.As(err, &te) {
		expected = te.Expected
		if te.Closest != nil {
			closest = te.Closest.Pretty("")
		}
	}
	return expected, closest
}
