package reports_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// decodeStrict decodes JSON into v, refusing fields v does not declare.
func decodeStrict(data []byte, v any) {
	GinkgoHelper()
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	Expect(dec.Decode(v)).To(Succeed())
}

type cuke struct {
	URI         string `json:"uri"`
	ID          string `json:"id"`
	Keyword     string `json:"keyword"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Line        int    `json:"line"`
	Elements    []struct {
		ID          string `json:"id"`
		Keyword     string `json:"keyword"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Line        int    `json:"line"`
		Type        string `json:"type"`
		Tags        []struct {
			Name string `json:"name"`
			Line int    `json:"line"`
		} `json:"tags"`
		Steps []struct {
			Keyword   string `json:"keyword"`
			Name      string `json:"name"`
			Line      int    `json:"line"`
			DocString *struct {
				Value string `json:"value"`
				Line  int    `json:"line"`
			} `json:"doc_string"`
			Rows []struct {
				Cells []string `json:"cells"`
			} `json:"rows"`
			Result struct {
				Status       string `json:"status"`
				Duration     *int64 `json:"duration"`
				ErrorMessage string `json:"error_message"`
			} `json:"result"`
		} `json:"steps"`
	} `json:"elements"`
}

var _ = Describe("WriteCucumberJSON", func() {
	var features []cuke
	BeforeEach(func() {
		features = nil
		decodeStrict(render(reports.WriteCucumberJSON, fixtureRun()), &features)
	})

	It("lists features with their scenarios as elements of type scenario", func() {
		Expect(features).To(HaveLen(2))
		f := features[0]
		Expect([]any{f.URI, f.ID, f.Keyword, f.Name, f.Line}).To(Equal([]any{"supervision/coach.feature", "coaching", "Feature", "Coaching", 1}))
		Expect(f.Elements).To(HaveLen(3))
		ids := map[string]bool{}
		for _, ff := range features {
			for _, e := range ff.Elements {
				Expect(e.Type).To(Equal("scenario"))
				Expect(e.Keyword).To(Equal("Scenario"))
				Expect(e.Line).To(BeNumerically(">", 0))
				Expect(ids[e.ID]).To(BeFalse(), "duplicate element id %s", e.ID)
				ids[e.ID] = true
			}
		}
		e := f.Elements[0]
		Expect(e.ID).To(Equal("coaching;sup-coach-001-coach-starts-a-subscription"))
		Expect(e.Description).To(Equal("The supervisor MUST receive its monitoring state."))
		Expect(e.Tags).To(HaveLen(2))
		Expect(e.Tags[0].Name).To(Equal("@SUP-COACH-001"))
		Expect(e.Tags[0].Line).To(Equal(7))
	})

	It("uses only cucumber's status words, and durations in nanoseconds", func() {
		statuses := map[string]int{}
		for _, f := range features {
			for _, e := range f.Elements {
				for _, s := range e.Steps {
					Expect(s.Result.Status).To(BeElementOf("passed", "failed", "skipped", "undefined", "pending"))
					statuses[s.Result.Status]++
					if s.Result.Status == "skipped" {
						Expect(s.Result.Duration).To(BeNil())
					}
				}
			}
		}
		Expect(statuses).To(HaveKey("undefined"))
		Expect(statuses).To(HaveKey("pending"))
		Expect(*features[0].Elements[0].Steps[0].Result.Duration).To(Equal(int64(15_000_000)))
	})

	It("keeps step results truthful: the expected failure's step failed, the unexpected pass's steps passed", func() {
		scope := features[1]
		Expect(scope.Elements[0].Name).To(Equal("Agent scope releases the supervisor"))
		Expect(scope.Elements[0].Steps[1].Result.Status).To(Equal("failed"))
		Expect(scope.Elements[0].Steps[1].Result.ErrorMessage).To(ContainSubstring("within 500ms"))
		Expect(scope.Elements[1].Steps[0].Result.Status).To(Equal("passed"))
	})

	It("carries the failing step's error and doc string", func() {
		s := features[0].Elements[1].Steps[1]
		Expect(s.Result.Status).To(Equal("failed"))
		Expect(s.Result.ErrorMessage).To(ContainSubstring("received since the cursor"))
		Expect(s.DocString).NotTo(BeNil())
		Expect(s.DocString.Value).To(Equal(`{"state": "Established", "monitoring": true}`))
		Expect(s.DocString.Line).To(Equal(17))
	})

	It("writes data tables as rows", func() {
		run := fixtureRun()
		run.Features[0].Scenarios[0].Steps[0].Table = [][]string{{"role", "user"}, {"agent", "agent1"}}
		var fs []cuke
		decodeStrict(render(reports.WriteCucumberJSON, run), &fs)
		Expect(fs[0].Elements[0].Steps[0].Rows).To(HaveLen(2))
		Expect(fs[0].Elements[0].Steps[0].Rows[1].Cells).To(Equal([]string{"agent", "agent1"}))
	})

	It("writes an empty array for an empty run", func() {
		Expect(string(render(reports.WriteCucumberJSON, reports.Run{}))).To(Equal("[]\n"))
	})
})

type summaryDoc struct {
	Passed bool `json:"passed"`
	Run    struct {
		Target, Version, Started, Finished string
		DurationSeconds                    float64 `json:"durationSeconds"`
		Seed                               int64
	} `json:"run"`
	Totals map[string]int            `json:"totals"`
	ByKind map[string]map[string]int `json:"byKind"`
	// every scenario
	Scenarios []struct {
		ID, Outcome, Name, Feature, Kind, Reason, Error string
		Line, Attempts                                  int
		DurationSeconds                                 float64 `json:"durationSeconds"`
	} `json:"scenarios"`
	Coverage map[string]struct {
		Exercised    []string `json:"exercised"`
		NotExercised []string `json:"notExercised"`
		Extra        []string `json:"extra"`
	} `json:"coverage"`
}

func summaryOf(run reports.Run) summaryDoc {
	GinkgoHelper()
	var s summaryDoc
	decodeStrict(render(reports.WriteSummary, run), &s)
	return s
}

var _ = Describe("WriteSummary", func() {
	It("gives the run header, totals by outcome and by kind", func() {
		s := summaryOf(fixtureRun())
		Expect(s.Passed).To(BeFalse())
		Expect(s.Run.Target).To(Equal("http://127.0.0.1:8080"))
		Expect(s.Run.Version).To(Equal("8.5.200.50"))
		Expect(s.Run.Started).To(Equal("2025-03-01T10:00:00.000Z"))
		Expect(s.Run.Finished).To(Equal("2025-03-01T10:00:09.000Z"))
		Expect(s.Run.DurationSeconds).To(Equal(9.0))
		Expect(s.Run.Seed).To(Equal(int64(42)))
		Expect(s.Totals).To(Equal(map[string]int{"scenarios": 8, "passed": 1, "failed": 1, "flaky": 1,
			"expected-failure": 1, "unexpected-pass": 1, "skipped": 1, "undefined": 1, "pending": 1}))
		Expect(s.ByKind).To(HaveLen(2))
		Expect(s.ByKind["documented"]["scenarios"]).To(Equal(4))
		Expect(s.ByKind["documented"]["unexpected-pass"]).To(Equal(1))
		Expect(s.ByKind["inferred"]["expected-failure"]).To(Equal(1))
		Expect(s.ByKind["inferred"]["failed"]).To(Equal(1))
	})

	It("lists every conformance ID with outcome, name, feature, attempts and reason", func() {
		s := summaryOf(fixtureRun())
		Expect(s.Scenarios).To(HaveLen(8))
		byID := map[string]int{}
		for i, sc := range s.Scenarios {
			byID[sc.ID] = i
			if i > 0 {
				Expect(sc.ID > s.Scenarios[i-1].ID).To(BeTrue(), "not sorted by ID")
			}
		}
		x := s.Scenarios[byID["SUP-SCOPE-004"]]
		Expect(x.Outcome).To(Equal("expected-failure"))
		Expect(x.Reason).To(Equal("agent scope release not implemented yet (ticket 123)"))
		Expect(x.Feature).To(Equal("supervision/scope.feature"))
		Expect(x.Kind).To(Equal("inferred"))
		Expect(s.Scenarios[byID["SUP-COACH-003"]].Attempts).To(Equal(3))
		Expect(s.Scenarios[byID["SUP-COACH-002"]].Error).To(HavePrefix("eventlog: supervisor1 did not receive"))
	})

	It("sets exercised operations and notification types against the known lists", func() {
		s := summaryOf(fixtureRun())
		ops := s.Coverage["operations"]
		Expect(ops.Exercised).To(Equal([]string{"Answer", "BargeIn", "Coach", "Dial", "ListenIn"}))
		Expect(ops.NotExercised).To(Equal([]string{"CancelSupervisorMonitoring", "Hangup"}))
		Expect(ops.Extra).To(Equal([]string{"SendDtmf"}))
		types := s.Coverage["notificationTypes"]
		Expect(types.Exercised).To(ConsistOf("CallStateChangeMessage", "DeviceStateChangeMessage", "ParticipantsUpdated", "StatusChange"))
		Expect(types.NotExercised).To(BeEmpty())
	})

	It("counts a Dial without operationName, and reads whole Bayeux messages too", func() {
		run := reports.Run{KnownOperations: []string{"Dial"}, KnownNotificationTypes: []string{"StatusChange"},
			Features: []reports.Feature{{URI: "a.feature", Scenarios: []reports.Scenario{{ID: "X-1", Outcome: reports.Passed,
				Tags: []string{"@documented"},
				Exchanges: []reports.Exchange{{Method: "POST", Path: "/api/v2/me/devices/d1/calls",
					RequestBody: `{"destination":{"phoneNumber":"5001"}}`}},
				Notifications: []reports.Notification{{Data: `{"channel":"/v2/me/calls","data":{"messageType":"CallStateChangeMessage","notificationType":"StatusChange"}}`}},
			}}}}}
		s := summaryOf(run)
		Expect(s.Passed).To(BeTrue())
		Expect(s.Coverage["operations"].Exercised).To(Equal([]string{"Dial"}))
		Expect(s.Coverage["notificationTypes"].Exercised).To(Equal([]string{"StatusChange"}))
		Expect(s.Coverage["notificationTypes"].Extra).To(Equal([]string{"CallStateChangeMessage"}))
	})

	DescribeTable("passed is false exactly when a scenario failed unexpectedly",
		func(o reports.Outcome, passed bool) {
			run := reports.Run{Features: []reports.Feature{{Scenarios: []reports.Scenario{
				{ID: "A-1", Outcome: reports.Passed}, {ID: "A-2", Outcome: o}}}}}
			Expect(summaryOf(run).Passed).To(Equal(passed))
			Expect(reports.ExitStatus(run)).To(Equal(map[bool]int{true: 0, false: 1}[passed]))
		},
		Entry("passed", reports.Passed, true),
		Entry("flaky", reports.Flaky, true),
		Entry("expected failure", reports.ExpectedFailure, true),
		Entry("skipped", reports.Skipped, true),
		Entry("pending", reports.Pending, true),
		Entry("failed", reports.Failed, false),
		Entry("unexpected pass", reports.UnexpectedPass, false),
		Entry("undefined", reports.Undefined, false),
		Entry("an outcome nobody knows", reports.Outcome("ambiguous"), false),
	)

	It("shows untagged scenarios in their own bucket", func() {
		run := reports.Run{Features: []reports.Feature{{Scenarios: []reports.Scenario{{ID: "A-1", Outcome: reports.Passed}}}}}
		s := summaryOf(run)
		Expect(s.ByKind["untagged"]["scenarios"]).To(Equal(1))
		Expect(s.Scenarios[0].Kind).To(Equal("untagged"))
		Expect(s.Scenarios[0].Attempts).To(Equal(1))
	})
})
