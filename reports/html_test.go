package reports_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// node is an element of a parsed page.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     strings.Builder // all text inside, children included
}

// GomegaString keeps failure messages short.
func (n *node) GomegaString() string {
	return fmt.Sprintf("<%s %v> %q", n.name, n.attrs, truncate(n.text.String(), 300))
}

func (n *node) class(c string) bool {
	for _, f := range strings.Fields(n.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// find returns every element below n (n included) that matches.
func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if match(x) {
			out = append(out, x)
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byName(name string, classes ...string) func(*node) bool {
	return func(n *node) bool {
		if n.name != name {
			return false
		}
		for _, c := range classes {
			if !n.class(c) {
				return false
			}
		}
		return true
	}
}

// parsePage parses the page with a strict XML decoder: report.html is written so that every element is
// closed and every attribute has a value, which makes it well-formed XML as well as HTML.
func parsePage(doc []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	root := &node{name: "#document"}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				n.attrs[name] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, n := range stack {
				n.text.Write(t)
			}
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("%d elements left open", len(stack)-1)
	}
	return root, nil
}

// externalReferences lists everything in a page that could make a browser fetch something: script src,
// link elements, @import and url() in styles, references in attributes that are not #fragments, and
// network code in scripts. Text that is only shown (JSON in <pre> or <title>) is data and may hold URLs.
func externalReferences(doc []byte) ([]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var out []string
	var stack []string
	refAttrs := map[string]bool{"href": true, "src": true, "xlink:href": true, "action": true, "formaction": true,
		"poster": true, "data": true, "srcset": true, "background": true, "manifest": true, "ping": true}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			stack = append(stack, name)
			switch name {
			case "link", "iframe", "frame", "object", "embed", "base", "img", "image", "video", "audio", "source", "use":
				out = append(out, "<"+name+"> element")
			}
			for _, a := range t.Attr {
				an := a.Name.Local
				if a.Name.Space != "" {
					an = a.Name.Space + ":" + an
				}
				v := strings.TrimSpace(a.Value)
				switch {
				case name == "script" && an == "src":
					out = append(out, "<script src="+v+">")
				case refAttrs[an] && !strings.HasPrefix(v, "#"):
					out = append(out, fmt.Sprintf("<%s %s=%q>", name, an, v))
				case strings.Contains(v, "url(") || strings.Contains(v, "@import"):
					out = append(out, fmt.Sprintf("<%s %s=%q>", name, an, v))
				case an == "http-equiv":
					out = append(out, fmt.Sprintf("<%s %s=%q>", name, an, v))
				case name != "title" && (strings.Contains(v, "http://") || strings.Contains(v, "https://")) && an != "title":
					out = append(out, fmt.Sprintf("<%s %s=%q>", name, an, v))
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			text := string(t)
			switch stack[len(stack)-1] {
			case "style":
				for _, bad := range []string{"@import", "url(", "http://", "https://", "@font-face"} {
					if strings.Contains(text, bad) {
						out = append(out, "style with "+bad)
					}
				}
			case "script":
				for _, bad := range []string{"http://", "https://", "fetch(", "XMLHttpRequest", "import(", "WebSocket",
					"EventSource", "sendBeacon", ".src", "createElement"} {
					if strings.Contains(text, bad) {
						out = append(out, "script with "+bad)
					}
				}
			}
		}
	}
}

// bigRun is a run of n scenarios with m notifications each, for timing.
func bigRun(n, m int) reports.Run {
	run := fixtureRun()
	tmpl := run.Features[0].Scenarios[1] // the failed one, with evidence
	var scs []reports.Scenario
	for i := range n {
		s := tmpl
		s.ID = fmt.Sprintf("BIG-%03d", i)
		s.Tags = []string{"@" + s.ID, "@documented"}
		s.Notifications = nil
		for j := range m {
			s.Notifications = append(s.Notifications, reports.Notification{Role: []string{"agent1", "supervisor1", "customer1"}[j%3],
				Channel: "/v2/me/calls", Data: callData("StatusChange", "Established", j%2 == 0, "5000", "5001"),
				Received: at(1000 + j)})
		}
		scs = append(scs, s)
	}
	run.Features = []reports.Feature{{URI: "big.feature", Name: "Big", Scenarios: scs}}
	return run
}

var _ = Describe("WriteHTML", func() {
	var doc []byte
	var page *node
	BeforeEach(func() {
		doc = render(reports.WriteHTML, fixtureRun())
		var err error
		page, err = parsePage(doc)
		Expect(err).NotTo(HaveOccurred())
	})

	scenario := func(id string) *node {
		GinkgoHelper()
		for _, d := range page.find(byName("details", "scenario")) {
			for _, c := range d.find(byName("code", "id")) {
				if c.text.String() == id {
					return d
				}
			}
		}
		Fail("no scenario " + id)
		return nil
	}

	It("is one self-contained file: no external references, only data mentions URLs", func() {
		refs, err := externalReferences(doc)
		Expect(err).NotTo(HaveOccurred())
		Expect(refs).To(BeEmpty())
		Expect(bytes.Count(doc, []byte("http://127.0.0.1:8080/api/v2/devices/"))).To(BeNumerically(">", 5),
			"the fixture's device URIs should appear as data (titles and pre blocks)")
		Expect(page.find(byName("script"))).To(HaveLen(1))
		Expect(page.find(byName("style"))).To(HaveLen(1))
	})

	It("the reference check bites", func() {
		bad := `<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example/x.css" />` +
			`<style>@import "x.css"; body { background: url(http://x/y.png) }</style>` +
			`<script src="https://cdn.example/x.js"></script><script>fetch("https://x")</script></head>` +
			`<body><img src="http://x/y.png" /><a href="#ok">ok</a><div style="background:url(x.png)"></div>` +
			`<svg><image href="http://x/i.png"></image></svg></body></html>`
		refs, err := externalReferences([]byte(bad))
		Expect(err).NotTo(HaveOccurred())
		Expect(refs).To(ContainElements(
			"<link> element", `<link href="https://cdn.example/x.css">`, "style with @import", "style with url(",
			"<script src=https://cdn.example/x.js>", "script with fetch(", "<img> element", "<image> element",
			`<div style="background:url(x.png)">`))
		Expect(strings.Join(refs, "\n")).NotTo(ContainSubstring("#ok"))
	})

	It("shows the run header and totals by outcome and by kind", func() {
		text := page.text.String()
		for _, s := range []string{"http://127.0.0.1:8080", "8.5.200.50", "2025-03-01 10:00:00 UTC", "seed 42", "FAILED"} {
			Expect(text).To(ContainSubstring(s))
		}
		rows := page.find(byName("table", "totals"))[0].find(byName("tr"))
		Expect(rows).To(HaveLen(4)) // header, all, @documented, @inferred
		Expect(cells(rows[1])).To(Equal([]string{"all", "8", "1", "1", "1", "1", "1", "1", "1", "1"}))
		Expect(cells(rows[2])).To(Equal([]string{"@documented", "4", "1", "0", "1", "0", "1", "0", "0", "1"}))
		Expect(cells(rows[3])).To(Equal([]string{"@inferred", "4", "0", "1", "0", "1", "0", "1", "1", "0"}))
	})

	It("expands the scenarios that need attention and lets the others collapse", func() {
		for _, d := range page.find(byName("details", "scenario")) {
			open := d.attrs["open"] != ""
			failing := d.class("o-failed") || d.class("o-unexpected-pass") || d.class("o-undefined")
			Expect(open).To(Equal(failing), d.attrs["id"])
		}
		links := page.find(func(n *node) bool { return n.name == "a" && strings.HasPrefix(n.attrs["href"], "#sc-") })
		Expect(links).To(HaveLen(3))
		for _, a := range links {
			Expect(page.find(func(n *node) bool { return n.attrs["id"] == a.attrs["href"][1:] })).To(HaveLen(1))
		}
	})

	It("escapes data", func() {
		Expect(string(doc)).NotTo(ContainSubstring("<b>& muted</b>"))
		Expect(scenario("SUP-COACH-002").find(byName("summary"))[0].text.String()).
			To(ContainSubstring(`The supervisor's call is "monitoring" <b>& muted</b>`))
		Expect(page.find(byName("b"))).To(BeEmpty())
	})

	It("badges flaky scenarios and expected failures with their reason", func() {
		flaky := scenario("SUP-COACH-003").find(byName("span", "flaky"))
		Expect(flaky).To(HaveLen(1))
		Expect(flaky[0].text.String()).To(ContainSubstring("attempt 3"))
		x := scenario("SUP-SCOPE-004").find(byName("summary"))[0].text.String()
		Expect(x).To(ContainSubstring("expected failure"))
		Expect(x).To(ContainSubstring("agent scope release not implemented yet (ticket 123)"))
		Expect(scenario("SUP-SCOPE-005").find(byName("summary"))[0].text.String()).To(ContainSubstring("expected to fail but passed"))
	})

	It("shows a failed wait's expected JSON, the closest arrival and a diff of the fields it names", func() {
		s := scenario("SUP-COACH-002")
		Expect(s.find(byName("pre", "error"))[0].text.String()).To(ContainSubstring("received since the cursor (1)"))
		ev := s.find(byName("div", "evidence"))
		Expect(ev).To(HaveLen(1))
		pres := ev[0].find(byName("div", "cols"))[0].find(byName("pre"))
		Expect(pres[0].text.String()).To(ContainSubstring(`"monitoring": true`))
		Expect(pres[1].text.String()).To(ContainSubstring(`"deviceUri": "http://127.0.0.1:8080/api/v2/devices/5005-dev"`))
		var del, add []string
		for _, l := range ev[0].find(byName("span", "del")) {
			del = append(del, strings.TrimSpace(l.text.String()))
		}
		for _, l := range ev[0].find(byName("span", "add")) {
			add = append(add, strings.TrimSpace(l.text.String()))
		}
		Expect(del).To(Equal([]string{`-     "monitoring": true,`, `-     "state": "Established"`}))
		Expect(add).To(Equal([]string{`+     "monitoring": false,`, `+     "state": "Ringing"`}))
	})

	It("draws a sequence diagram: a lifeline per role and the server, requests and notifications in time order", func() {
		svg := scenario("SUP-COACH-001").find(byName("svg", "seq"))
		Expect(svg).To(HaveLen(1))
		var heads []string
		for _, t := range svg[0].find(byName("text", "head")) {
			heads = append(heads, t.text.String())
		}
		Expect(heads).To(Equal([]string{"supervisor1", "customer1", "server", "agent1"}))
		var labels []string
		for _, g := range svg[0].find(byName("g", "ev")) {
			labels = append(labels, g.find(byName("text", "lbl"))[0].text.String())
		}
		Expect(labels).To(Equal([]string{
			"POST Coach → 200",
			"DeviceStateChangeMessage",
			"POST Dial → 200",
			"CallStateChangeMessage/StatusChange",
			"POST Answer → 200",
			"CallStateChangeMessage/StatusChange",
			"CallStateChangeMessage/StatusChange",
		}))
		var steps []string
		for _, g := range svg[0].find(byName("g", "srow")) {
			steps = append(steps, g.text.String())
		}
		Expect(steps).To(HaveLen(4))
		Expect(steps[0]).To(Equal("Given supervisor1 starts Coach on agent1"))
		hints := svg[0].find(byName("text", "sub"))
		Expect(hints[0].text.String()).To(Equal("Coach · AllCalls · Call"))
		Expect(hints[1].text.String()).To(Equal("Ringing · [5000] · mute"))
	})

	It("puts the JSON of each arrow in its SVG title, and marks REST errors", func() {
		s := scenario("SUP-SCOPE-005")
		gs := s.find(byName("g", "ev"))
		Expect(gs).To(HaveLen(4))
		Expect(gs[0].find(byName("title"))[0].text.String()).To(ContainSubstring(`"operationName": "BargeIn"`))
		Expect(gs[1].class("err")).To(BeTrue())
		Expect(gs[1].text.String()).To(ContainSubstring("POST SendDtmf → 400"))
		Expect(gs[1].text.String()).To(ContainSubstring("statusCode 2 Invalid state"))
		Expect(gs[2].text.String()).To(ContainSubstring("GET /me/calls → 200"))
		Expect(gs[3].find(byName("title"))[0].text.String()).To(ContainSubstring(`"notificationType": "ParticipantsUpdated"`))
	})

	It("marks where a failed wait gave up: a dashed arrow to the waiting role that never arrived", func() {
		svg := scenario("SUP-COACH-002").find(byName("svg", "seq"))[0]
		missing := svg.find(byName("g", "missing"))
		Expect(missing).To(HaveLen(1))
		Expect(missing[0].text.String()).To(ContainSubstring(`expected {"call": {"monitoring": true, "state": "Established"}`))
		Expect(missing[0].text.String()).To(ContainSubstring("never arrived"))
		// it points at supervisor1's lifeline and comes after the last notification (received at +70ms)
		line := missing[0].find(byName("line", "arrow"))[0]
		var supX string
		heads := svg.find(byName("text", "head"))
		for _, h := range heads {
			if h.text.String() == "supervisor1" {
				supX = h.attrs["x"]
			}
		}
		Expect(line.attrs["x2"]).To(Equal(supX))
		times := svg.find(byName("text", "t"))
		Expect(times[len(times)-1].text.String()).To(Equal("+2.08s"))
	})

	It("marks a failed step without a wait as a red line at its place", func() {
		run := fixtureRun()
		s := &run.Features[0].Scenarios[1].Steps[1]
		s.Expected, s.Closest, s.Error = "", "", "gws: POST /api/v2/me/calls/CALL1 Hangup: statusCode 2"
		p, err := parsePage(render(reports.WriteHTML, run))
		Expect(err).NotTo(HaveOccurred())
		fails := p.find(byName("details", "o-failed"))[0].find(byName("g", "fail"))
		Expect(fails).To(HaveLen(1))
		Expect(fails[0].text.String()).To(ContainSubstring("statusCode 2"))
		Expect(p.find(byName("g", "missing"))).To(BeEmpty())
	})

	It("draws the missing arrow to Step.Role when the runner names it", func() {
		run := fixtureRun()
		s := &run.Features[0].Scenarios[1].Steps[1]
		s.Role, s.Error = "agent2", "timeout"
		p, err := parsePage(render(reports.WriteHTML, run))
		Expect(err).NotTo(HaveOccurred())
		var heads []string
		for _, t := range p.find(byName("details", "o-failed"))[0].find(byName("text", "head")) {
			heads = append(heads, t.text.String())
		}
		Expect(heads).To(ContainElement("agent2"))
	})

	It("says so when a scenario recorded no traffic", func() {
		Expect(scenario("SUP-SCOPE-006").find(byName("p", "empty"))[0].text.String()).To(Equal("no requests or notifications recorded"))
	})

	It("renders 100 scenarios of 50 notifications each quickly", func() {
		run := bigRun(100, 50)
		start := time.Now()
		Expect(reports.WriteHTML(io.Discard, run)).To(Succeed())
		// about 0.2s on a CI core; the race detector makes it about eight times slower
		limit := time.Second
		if raceDetector {
			limit = 8 * time.Second
		}
		Expect(time.Since(start)).To(BeNumerically("<", limit))
	})
})

func cells(tr *node) []string {
	var out []string
	for _, c := range tr.children {
		out = append(out, strings.TrimSpace(c.text.String()))
	}
	return out
}
