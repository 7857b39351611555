package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/cucumber/godog"

	"github.com/coachsim/coachsim/features"
)

// A stepGroup is one domain's steps: a map from vocabulary phrase ID (features/README.md, "V01"...) to the
// step function godog calls with the phrase's captured groups.
type stepGroup interface {
	phrases() map[string]any
}

func groups() []stepGroup {
	return []stepGroup{sessionSteps{}, callSteps{}, supervisionSteps{}, notificationSteps{}, callDataSteps{}, agentStateSteps{},
		sessionLossSteps{}}
}

// vocabulary is loaded once per Register from the embedded README, so the patterns registered are exactly
// the ones the checker verified the features against.
func vocabulary() (*features.Vocabulary, error) { return features.LoadVocabulary(features.Files()) }

// registerVocabulary registers every phrase with its step function. A phrase without a function, or a
// function without a phrase, is a programming error reported by VerifyVocabulary.
func registerVocabulary(sc *godog.ScenarioContext) {
	v, err := vocabulary()
	if err != nil {
		panic(err)
	}
	fns := stepFunctions()
	for _, p := range v.Phrases {
		if fn, ok := fns[p.ID]; ok {
			sc.Step(p.Regexp(), fn)
		}
	}
	registerWindows(sc, v)
	registerShapeCheck(sc)
}

func stepFunctions() map[string]any {
	out := map[string]any{}
	for _, g := range groups() {
		for id, fn := range g.phrases() {
			out[id] = fn
		}
	}
	return out
}

// VerifyVocabulary reports phrases of the vocabulary that have no step function, and step functions for
// phrases the vocabulary does not have.
func VerifyVocabulary() error {
	v, err := vocabulary()
	if err != nil {
		return err
	}
	fns := stepFunctions()
	var problems []string
	seen := map[string]bool{}
	for _, p := range v.Phrases {
		seen[p.ID] = true
		if _, ok := fns[p.ID]; !ok {
			problems = append(problems, fmt.Sprintf("phrase %s %s has no step function", p.ID, p.Pattern))
		}
	}
	for id := range fns {
		if !seen[id] {
			problems = append(problems, fmt.Sprintf("step function %s has no phrase in the vocabulary", id))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("steps and vocabulary disagree:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

var listSep = regexp.MustCompile(`, | and | or `)

// roles splits "customer1, agent1 and supervisor1".
func roles(list string) []string { return listSep.Split(strings.TrimSpace(list), -1) }

// postOp sends an operation as role and records the reply. must makes a reply other than HTTP 200 with
// statusCode 0 an error.
func (w *World) postOp(ctx context.Context, a *Actor, path string, body map[string]any, must bool) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return w.send(ctx, a, "POST", path, data, must, fmt.Sprintf("%s POST %s %s", a.Role, path, body["operationName"]))
}

func (w *World) send(ctx context.Context, a *Actor, method, path string, data []byte, must bool, what string) error {
	w.log.Sent()
	resp, err := a.REST.Raw(ctx, method, path, data)
	if resp.HTTPStatus == 0 && err != nil {
		return fmt.Errorf("%s: no reply: %w", what, err)
	}
	w.lastReply = &reply{what: what, HTTPStatus: resp.HTTPStatus, Header: resp.Header, Body: resp.Body}
	if must {
		return w.lastReply.mustSucceed()
	}
	return nil
}

func (r *reply) mustSucceed() error {
	var body struct {
		StatusCode *int `json:"statusCode"`
	}
	_ = json.Unmarshal(r.Body, &body)
	if r.HTTPStatus != 200 || body.StatusCode == nil || *body.StatusCode != 0 {
		return fmt.Errorf("%s: expected HTTP 200 with statusCode 0, got HTTP %d: %s", r.what, r.HTTPStatus, strings.TrimSpace(string(r.Body)))
	}
	return nil
}

func (w *World) last() (*reply, error) {
	if w.lastReply == nil {
		return nil, fmt.Errorf("no request has been sent in this scenario")
	}
	return w.lastReply, nil
}
