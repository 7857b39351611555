package reports_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/coachsim/coachsim/reports"
)

// installHint says how to get the browser these specs need.
const installHint = "report.html is checked in headless Chromium, which was not found. Install it with\n" +
	"    apt-get update && apt-get install -y chromium\n" +
	"(Debian's package; /usr/bin/chromium), or point COACHSIM_CHROMIUM at a Chromium binary."

// The page is written to reports/out (git-ignored) so a person can open it and its screenshots.
const outDir = "out"

var _ = Describe("report.html in headless Chromium", Ordered, func() {
	var b *browser
	var pageURL string

	BeforeAll(func(sctx SpecContext) {
		bin, err := findChromium()
		if err != nil {
			if os.Getenv("CI") != "" {
				Fail(err.Error() + "\nCI is set: the CI machine must install Chromium before the tests.\n" + installHint)
			}
			Fail(err.Error() + "\n" + installHint)
		}
		Expect(os.MkdirAll(outDir, 0o755)).To(Succeed())
		path, err := filepath.Abs(filepath.Join(outDir, "report.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(path, render(reports.WriteHTML, fixtureRun()), 0o644)).To(Succeed())
		pageURL = "file://" + path

		ctx, cancel := context.WithTimeout(sctx, 30*time.Second)
		defer cancel()
		b, err = startBrowser(ctx, bin, GinkgoT().TempDir(), 1400, 2000)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(b.close)
	}, NodeTimeout(60*time.Second))

	// within gives each spec a deadline for its browser round trips.
	within := func(sctx SpecContext) context.Context {
		ctx, cancel := context.WithTimeout(sctx, 20*time.Second)
		DeferCleanup(cancel)
		return ctx
	}

	It("loads without a single network request or script error", func(sctx SpecContext) {
		ctx := within(sctx)
		r, err := b.open(ctx, pageURL)
		Expect(err).NotTo(HaveOccurred(), b.log())
		Expect(r.External).To(BeEmpty(), "requests to the outside")
		Expect(r.Errors).To(BeEmpty(), "errors in the page")
	})

	It("the check bites: it sees an external request, an uncaught exception and a console error", func(sctx SpecContext) {
		ctx := within(sctx)
		bad := filepath.Join(GinkgoT().TempDir(), "bad.html")
		Expect(os.WriteFile(bad, []byte(`<!DOCTYPE html><html><body><img src="http://192.0.2.1/pixel.png" />`+
			`<script>console.error("broken"); missingFunction();</script></body></html>`), 0o644)).To(Succeed())
		r, err := b.open(ctx, "file://"+bad)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.External).To(ContainElement("http://192.0.2.1/pixel.png"))
		Expect(r.Errors).To(ContainElement(ContainSubstring("missingFunction")))
		Expect(r.Errors).To(ContainElement(ContainSubstring("broken")))
	})

	It("lays the page out as intended", func(sctx SpecContext) {
		ctx := within(sctx)
		_, err := b.open(ctx, pageURL)
		Expect(err).NotTo(HaveOccurred())
		var facts struct {
			Diagrams, Open, Scenarios int
			Overflow                  []string
			DiagramHeight             float64
		}
		Expect(b.eval(ctx, `(function () {
			var overflow = [];
			document.querySelectorAll("details.scenario").forEach(function (d) { d.open = true; });
			document.querySelectorAll("svg.seq g.ev").forEach(function (g) {
				var line = g.querySelector("line"), label = g.querySelector("text.lbl");
				if (!line || !label) { return; }
				var room = Math.abs(line.x2.baseVal.value - line.x1.baseVal.value);
				if (label.getComputedTextLength() > room + 2) { overflow.push(label.textContent); }
			});
			var failed = document.querySelector("details.o-failed svg.seq").getBoundingClientRect();
			document.querySelectorAll("details.scenario").forEach(function (d) { d.open = d.classList.contains("attn"); });
			return {
				Diagrams: document.querySelectorAll("svg.seq").length,
				Open: document.querySelectorAll("details.scenario[open]").length,
				Scenarios: document.querySelectorAll("details.scenario").length,
				Overflow: overflow,
				DiagramHeight: failed.height
			};
		})()`, &facts)).To(Succeed())
		Expect(facts.Scenarios).To(Equal(8))
		Expect(facts.Diagrams).To(Equal(5))
		Expect(facts.Open).To(Equal(3))
		Expect(facts.Overflow).To(BeEmpty(), "arrow labels wider than their arrows")
		Expect(facts.DiagramHeight).To(BeNumerically(">", 200))

		png, err := b.screenshot(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(png).To(HavePrefix("\x89PNG\r\n\x1a\n"))
		Expect(os.WriteFile(filepath.Join(outDir, "report.png"), png, 0o644)).To(Succeed())

		var box []float64
		Expect(b.eval(ctx, `(function () {
			var r = document.querySelector("details.o-failed").getBoundingClientRect();
			return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];
		})()`, &box)).To(Succeed())
		png, err = b.screenshot(ctx, box)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(outDir, "report-failed.png"), png, 0o644)).To(Succeed())
	})

	It("shows an arrow's JSON when it is clicked, and filters to problems", func(sctx SpecContext) {
		ctx := within(sctx)
		_, err := b.open(ctx, pageURL)
		Expect(err).NotTo(HaveOccurred())
		var state struct {
			Hidden  bool
			Text    string
			Picked  int
			Visible int
		}
		Expect(b.eval(ctx, `(function () {
			var scenario = document.querySelector("details.o-failed");
			scenario.querySelector("svg.seq g.ev").dispatchEvent(new MouseEvent("click", {bubbles: true}));
			var box = scenario.querySelector("pre.inspect");
			document.getElementById("problems-only").click();
			var visible = 0;
			document.querySelectorAll("details.scenario").forEach(function (d) { if (d.offsetParent !== null) { visible++; } });
			return {Hidden: box.hidden, Text: box.textContent, Picked: document.querySelectorAll("g.ev.picked").length, Visible: visible};
		})()`, &state)).To(Succeed())
		Expect(state.Hidden).To(BeFalse())
		Expect(state.Text).To(ContainSubstring(`"operationName": "Coach"`))
		Expect(state.Picked).To(Equal(1))
		Expect(state.Visible).To(Equal(3))
		r := b.report()
		Expect(r.Errors).To(BeEmpty())
		Expect(r.External).To(BeEmpty())
	})

	It("wrote screenshots a person can look at", func() {
		for _, name := range []string{"report.png", "report-failed.png"} {
			data, err := os.ReadFile(filepath.Join(outDir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(bytes.HasPrefix(data, []byte("\x89PNG"))).To(BeTrue())
			Expect(len(data)).To(BeNumerically(">", 20_000), "%s looks blank", name)
		}
	})
})
