package callgen

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WriteHTML writes dir/load.html: a self-contained page (inline CSS and SVG, no script, nothing fetched)
// with the verdict, calls per second and latency percentiles over time, the distribution of every
// measurement and the violations by rule with their evidence.
func (s Summary) WriteHTML(dir string) error {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, s.view()); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "load.html"), b.Bytes(), 0o644)
}

type pageView struct {
	S        Summary
	Passed   bool
	Rate     template.HTML
	Latency  template.HTML
	Dist     template.HTML
	Rules    template.HTML
	Measures []measureRow
}

type measureRow struct {
	Name string
	P    Percentiles
}

func (s Summary) view() pageView {
	v := pageView{S: s, Passed: len(s.Failures) == 0}
	var ts, rate []float64
	series := map[string][]float64{}
	keys := []string{MAnswerToAgent, MAnswerToSupervisor, MTransferToSupervisor}
	for _, r := range s.Rows {
		ts = append(ts, r.Time)
		rate = append(rate, float64(r.Counters.Attempted)/math.Max(r.Interval, 1e-9))
		for _, k := range keys {
			val, ok := r.P99[k]
			if !ok {
				val = math.NaN()
			}
			series["p99 "+k] = append(series["p99 "+k], val)
		}
		val, ok := r.P50[MAnswerToSupervisor]
		if !ok {
			val = math.NaN()
		}
		series["p50 "+MAnswerToSupervisor] = append(series["p50 "+MAnswerToSupervisor], val)
	}
	v.Rate = lineChart("calls attempted per second", "calls/s", ts, map[string][]float64{"calls/s": rate})
	v.Latency = lineChart("latency per interval (ms)", "ms", ts, series)
	for _, name := range slices.Sorted(maps.Keys(s.Latency)) {
		v.Measures = append(v.Measures, measureRow{name, s.Latency[name]})
	}
	v.Dist = distChart(v.Measures)
	v.Rules = barChart(s.ByRule)
	return v
}

var palette = []string{"#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989"}

const chartW, chartH, padL, padB, padT, padR = 740.0, 230.0, 56.0, 28.0, 22.0, 28.0

// lineChart draws series over ts (NaN leaves a gap) with axes and a legend.
func lineChart(title, unit string, ts []float64, series map[string][]float64) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="%s" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`,
		template.HTMLEscapeString(title), chartW, chartH+24, chartW, chartH+24)
	maxT, maxY := 0.0, 0.0
	for _, t := range ts {
		maxT = math.Max(maxT, t)
	}
	for _, ys := range series {
		for _, y := range ys {
			if !math.IsNaN(y) {
				maxY = math.Max(maxY, y)
			}
		}
	}
	if maxT == 0 {
		maxT = 1
	}
	if maxY == 0 {
		maxY = 1
	}
	maxY = niceCeil(maxY)
	x := func(t float64) float64 { return padL + t/maxT*(chartW-padL-padR) }
	y := func(v float64) float64 { return padT + (1-v/maxY)*(chartH-padT-padB) }
	axes(&b, maxT, maxY, unit, x, y)
	names := slices.Sorted(maps.Keys(series))
	for i, name := range names {
		color := palette[i%len(palette)]
		var path strings.Builder
		pen := false
		for k, v := range series[name] {
			if math.IsNaN(v) || k >= len(ts) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(ts[k]), y(v))
			pen = true
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.8"/>`, path.String(), color)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f" class="lg">%s</text>`,
			padL+float64(i)*172, chartH+10, color, padL+float64(i)*172+14, chartH+19, template.HTMLEscapeString(name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func axes(b *strings.Builder, maxT, maxY float64, unit string, x, y func(float64) float64) {
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" class="ax"/>`, padL, y(0), x(maxT), y(0))
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" class="ax"/>`, padL, y(0), padL, y(maxY))
	for i := 0; i <= 4; i++ {
		v := maxY * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" class="grid"/><text x="%.0f" y="%.1f" class="tick" text-anchor="end">%s</text>`,
			padL, y(v), x(maxT), y(v), padL-4, y(v)+4, short(v))
		t := maxT * float64(i) / 4
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" class="tick" text-anchor="middle">%ss</text>`, x(t), y(0)+16, short(t))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" class="tick" text-anchor="end">%s</text>`, padL-4, padT-10, template.HTMLEscapeString(unit))
}

// distChart draws, per measurement, p50, p90, p99 and p99.9 on a logarithmic millisecond axis.
func distChart(rows []measureRow) template.HTML {
	if len(rows) == 0 {
		return template.HTML(`<p class="none">nothing was measured</p>`)
	}
	const rowH, labelW = 22.0, 215.0
	h := rowH*float64(len(rows)) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="latency distribution" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, chartW, h, chartW, h)
	lo, hi := 0.01, 1.0
	for _, r := range rows {
		hi = math.Max(hi, r.P.Max)
	}
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	x := func(v float64) float64 {
		v = math.Max(v, lo)
		return labelW + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(chartW-labelW-padR)
	}
	for d := lo; d <= hi*1.001; d *= 10 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="4" x2="%.1f" y2="%.0f" class="grid"/><text x="%.1f" y="%.0f" class="tick" text-anchor="middle">%s ms</text>`,
			x(d), x(d), h-24, x(d), h-10, short(d))
	}
	for i, r := range rows {
		yy := 8 + float64(i)*rowH
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="lbl" text-anchor="end">%s</text>`, labelW-6, yy+12, template.HTMLEscapeString(r.Name))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#8c959f" stroke-width="2"/>`, x(r.P.P50), yy+8, x(r.P.Max), yy+8)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="12" fill="#1f6feb" opacity="0.75"><title>%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%d values)</title></rect>`,
			x(r.P.P50), yy+2, math.Max(x(r.P.P99)-x(r.P.P50), 2), template.HTMLEscapeString(r.Name), r.P.P50, r.P.P90, r.P.P99, r.P.P999, r.P.Max, r.P.Count)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d1242f" stroke-width="2"/>`, x(r.P.P999), yy, x(r.P.P999), yy+16)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws the violations by rule.
func barChart(byRule map[string]int64) template.HTML {
	if len(byRule) == 0 {
		return template.HTML(`<p class="ok">no violation</p>`)
	}
	const rowH, labelW = 24.0, 230.0
	ids := slices.Sorted(maps.Keys(byRule))
	top := int64(1)
	for _, n := range byRule {
		top = max(top, n)
	}
	h := rowH*float64(len(ids)) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="violations by rule" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, chartW, h, chartW, h)
	for i, id := range ids {
		yy := 4 + float64(i)*rowH
		w := float64(byRule[id]) / float64(top) * (chartW - labelW - 60)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="lbl" text-anchor="end">%s</text><rect x="%.0f" y="%.1f" width="%.1f" height="16" fill="#d1242f"/><text x="%.1f" y="%.1f" class="lbl">%d</text>`,
			labelW-6, yy+13, template.HTMLEscapeString(id), labelW, yy, math.Max(w, 2), labelW+w+6, yy+13, byRule[id])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func short(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2g", v)
	}
	return fmt.Sprintf("%.2g", v)
}

var pageTemplate = template.Must(template.New("load").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>coachsim load: {{.S.Target}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#1f2328;padding:0 12px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600;color:#fff}
.pass{background:#1a7f37}.fail{background:#d1242f}
table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:right}
td:first-child,th:first-child{text-align:left}
.ax{stroke:#57606a}.grid{stroke:#eaeef2}.tick{font-size:11px;fill:#57606a}.lbl{font-size:12px;fill:#1f2328}.lg{font-size:11px;fill:#1f2328}
.ok{color:#1a7f37;font-weight:600}.none{color:#57606a}
details{margin:6px 0}pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:8px;border-radius:6px}
ul.fail{color:#d1242f}
</style></head><body>
<h1>coachsim load</h1>
<p>{{.S.Target}}{{if .S.Worker}} · worker {{.S.Worker}}{{end}} · seed {{.S.Seed}} · {{.S.Rate}} calls/s · {{.S.Duration}}</p>
<p>{{if .Passed}}<span class="verdict pass">PASS</span>{{else}}<span class="verdict fail">FAIL</span>{{end}}</p>
{{if .S.Failures}}<ul class="fail">{{range .S.Failures}}<li>{{.}}</li>{{end}}</ul>{{end}}
<table>
<tr><th>planned</th><th>attempted</th><th>answered</th><th>failed</th><th>abandoned</th><th>supervised</th><th>violations</th><th>REST errors</th></tr>
<tr><td>{{.S.Planned}}</td><td>{{.S.Counters.Attempted}}</td><td>{{.S.Counters.Answered}}</td><td>{{.S.Counters.Failed}}</td><td>{{.S.Counters.Abandoned}}</td><td>{{.S.Counters.Supervised}}</td><td>{{.S.Counters.Violations}}</td><td>{{.S.Counters.Errors}}</td></tr>
</table>
<h2>Rate</h2>{{.Rate}}
<h2>Latency over time</h2>{{.Latency}}
<h2>Latency distribution</h2>
<p class="none">Bar from p50 to p99, whisker to the maximum, red mark at p99.9; logarithmic axis.</p>
{{.Dist}}
<table><tr><th>measurement</th><th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>
{{range .Measures}}<tr><td>{{.Name}}</td><td>{{.P.Count}}</td><td>{{printf "%.2f" .P.P50}}</td><td>{{printf "%.2f" .P.P90}}</td><td>{{printf "%.2f" .P.P99}}</td><td>{{printf "%.2f" .P.P999}}</td><td>{{printf "%.2f" .P.Max}}</td></tr>
{{end}}</table>
<h2>Supervision violations</h2>{{.Rules}}
{{range .S.Violation}}<details><summary>{{.Rule}} · call {{.Call}}{{if .CallID}} ({{.CallID}}){{end}}</summary><p>{{.Text}}</p><pre>{{.Evidence}}</pre></details>
{{end}}
</body></html>
`))
