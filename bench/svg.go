package main

import (
	"fmt"
	"math"
	"strings"
)

// Colours of the two servers in the chart.
const (
	duvaColor  = "#2f6db5"
	redisColor = "#d4553f"
)

// barGroup is one cluster of the chart: a duva and a redis bar.
type barGroup struct {
	label       string
	sub         string // second label line (the ratio)
	duva, redis *float64
}

// panel is one chart with its own y scale.
type panel struct {
	title  string
	groups []barGroup
	format func(float64) string // bar values
	axis   func(float64) string // y axis ticks
	height float64
}

// RenderSVG draws the summary as a hand-written SVG: one requests/s panel per
// pipeline depth (their scales differ by an order of magnitude) and a smaller
// panel with server CPU per request.
func RenderSVG(r *Report) string {
	var pipes []int
	byPipe := map[int][]Summary{}
	for _, s := range r.Summary {
		if _, ok := byPipe[s.Pipeline]; !ok {
			pipes = append(pipes, s.Pipeline)
		}
		byPipe[s.Pipeline] = append(byPipe[s.Pipeline], s)
	}

	var panels []panel
	for _, p := range pipes {
		var gs []barGroup
		for _, s := range byPipe[p] {
			d, rd := s.DuvaRPS, s.RedisRPS
			gs = append(gs, barGroup{
				label: shortTest(s.Test), sub: fmt.Sprintf("duva/redis %.2f (%.2f–%.2f)", s.Ratio, s.RatioMin, s.RatioMax),
				duva: &d, redis: &rd,
			})
		}
		panels = append(panels, panel{
			title:  fmt.Sprintf("requests/s, pipeline -P %d (median of %d rounds, higher is better)", p, r.Config.Rounds),
			groups: gs, format: fmtRate, axis: fmtAxis, height: 250,
		})
	}
	cpuGroups := func(ss []Summary, withP bool) []barGroup {
		var gs []barGroup
		for _, s := range ss {
			label := shortTest(s.Test)
			if withP {
				label += fmt.Sprintf(" P=%d", s.Pipeline)
			}
			sub := "cpu ratio n/a"
			if s.CPURatio != nil {
				sub = fmt.Sprintf("duva/redis %.2f", *s.CPURatio)
			}
			gs = append(gs, barGroup{label: label, sub: sub, duva: s.DuvaCPU, redis: s.RedisCPU})
		}
		return gs
	}
	const cpuTitle = "server CPU µs per request (utime+stime, lower is better)"
	if len(r.Summary) <= 12 {
		panels = append(panels, panel{title: cpuTitle, groups: cpuGroups(r.Summary, true), format: fmtMicros, axis: fmtAxis, height: 200})
	} else {
		for _, p := range pipes {
			panels = append(panels, panel{title: fmt.Sprintf("%s, -P %d", cpuTitle, p), groups: cpuGroups(byPipe[p], false), format: fmtMicros, axis: fmtAxis, height: 200})
		}
	}

	// Geometry: wide enough that every group gets room for its two bars.
	const left, right = 72.0, 24.0
	maxGroups := 1
	for _, pn := range panels {
		maxGroups = max(maxGroups, len(pn.groups))
	}
	minGroupW := 150.0
	if maxGroups > 8 {
		minGroupW = 58
	}
	plotW := math.Max(760, float64(maxGroups)*minGroupW)
	width := left + plotW + right

	// Header lines and footer notes are wrapped to the width of the chart.
	maxChars := int((width - 32) / 6.2)
	var header []string
	for _, l := range []string{r.title(), r.Machine.String(), r.duvaLine()} {
		header = append(header, wrap(l, maxChars)...)
	}
	var notes []string
	for _, n := range r.notes() {
		notes = append(notes, wrap(n, int((width-32)/5.6))...)
	}
	top := 50 + float64(len(header))*15
	var body strings.Builder
	y := top
	for _, pn := range panels {
		rotated := labelsRotated(pn, plotW)
		if rotated {
			pn.height += 60 // rotated labels need more room below the axis
		}
		drawPanel(&body, left, y, plotW, pn, rotated)
		y += pn.height
	}
	height := y + 8 + float64(len(notes))*14 + 10

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	text(&b, 16, 26, 17, "start", "bold", "#111", "duva vs redis-server")
	for i, l := range header {
		text(&b, 16, 46+float64(i)*15, 11, "start", "", "#333", l)
	}
	// Legend, top right.
	lx := width - right - 150
	fmt.Fprintf(&b, `<rect x="%.1f" y="14" width="14" height="14" fill="%s"/>`+"\n", lx, duvaColor)
	text(&b, lx+20, 26, 13, "start", "", "#111", "duva")
	fmt.Fprintf(&b, `<rect x="%.1f" y="14" width="14" height="14" fill="%s"/>`+"\n", lx+75, redisColor)
	text(&b, lx+95, 26, 13, "start", "", "#111", "redis")
	b.WriteString(body.String())
	ny := y + 16
	for _, n := range notes {
		text(&b, 16, ny, 10, "start", "", "#555", n)
		ny += 14
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// labelsRotated reports whether the group labels of pn are too wide to be
// written horizontally under their groups in a plot w pixels wide.
func labelsRotated(pn panel, w float64) bool {
	if len(pn.groups) == 0 {
		return false
	}
	longest := 0
	for _, g := range pn.groups {
		longest = max(longest, len([]rune(g.label)), len([]rune(g.sub)))
	}
	return float64(longest)*6.6+10 > w/float64(len(pn.groups))
}

// drawPanel draws one bar chart whose top-left corner is (x, y), with the
// group labels under the axis either horizontal or rotated.
func drawPanel(b *strings.Builder, x, y, w float64, pn panel, rotated bool) {
	n := len(pn.groups)
	if n == 0 {
		return
	}
	gw := w / float64(n)
	plotTop := y + 30
	plotBottom := y + pn.height - 48
	if rotated {
		plotBottom = y + pn.height - 100
	}
	plotH := plotBottom - plotTop

	maxV := 0.0
	for _, g := range pn.groups {
		for _, v := range []*float64{g.duva, g.redis} {
			if v != nil && *v > maxV {
				maxV = *v
			}
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	step := niceStep(maxV * 1.12 / 4)
	yMax := math.Ceil(maxV*1.12/step) * step
	scale := plotH / yMax

	text(b, x, y+16, 13, "start", "bold", "#222", pn.title)
	// Grid and y axis labels.
	for v := 0.0; v <= yMax+step/2; v += step {
		gy := plotBottom - v*scale
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`+"\n", x, gy, x+w, gy, map[bool]string{true: "#888", false: "#e4e4e4"}[v == 0])
		text(b, x-6, gy+4, 10, "end", "", "#555", pn.axis(v))
	}
	bw := math.Min(56, gw*0.32)
	for i, g := range pn.groups {
		cx := x + gw*(float64(i)+0.5)
		for j, v := range []*float64{g.duva, g.redis} {
			color := duvaColor
			bx := cx - bw - 2
			if j == 1 {
				color = redisColor
				bx = cx + 2
			}
			mid := bx + bw/2
			if v == nil {
				text(b, mid, plotBottom-4, 9, "middle", "", "#777", "n/a")
				continue
			}
			bh := *v * scale
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				bx, plotBottom-bh, bw, bh, color, esc(fmt.Sprintf("%s %s: %s", []string{"duva", "redis"}[j], g.label, pn.format(*v))))
			label := pn.format(*v)
			if float64(len(label))*6.2 <= bw+4 {
				text(b, mid, plotBottom-bh-4, 10, "middle", "", "#222", label)
			} else {
				fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" fill="#222" text-anchor="start" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
					mid+3.5, plotBottom-bh-4, mid+3.5, plotBottom-bh-4, esc(label))
			}
		}
		if rotated {
			lx, ly := cx+4, plotBottom+12
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" fill="#222" text-anchor="end" transform="rotate(-40 %.1f %.1f)">%s <tspan fill="#666">%s</tspan></text>`+"\n",
				lx, ly, lx, ly, esc(g.label), esc(shortSub(g.sub)))
		} else {
			text(b, cx, plotBottom+17, 12, "middle", "bold", "#222", g.label)
			text(b, cx, plotBottom+33, 11, "middle", "", "#555", g.sub)
		}
	}
}

// shortSub is the group's ratio without prefix and range, for rotated labels.
func shortSub(sub string) string {
	sub = strings.TrimPrefix(sub, "duva/redis ")
	if i := strings.Index(sub, " ("); i > 0 {
		sub = sub[:i]
	}
	return sub
}

func text(b *strings.Builder, x, y, size float64, anchor, weight, color, s string) {
	w := ""
	if weight != "" {
		w = fmt.Sprintf(` font-weight="%s"`, weight)
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%.0f" fill="%s" text-anchor="%s"%s>%s</text>`+"\n", x, y, size, color, anchor, w, esc(s))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return xmlEscaper.Replace(s) }

// niceStep rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*exp*1.0000001 {
			return m * exp
		}
	}
	return 10 * exp
}

// fmtRate formats requests/s compactly: 950, 61.2k, 1.23M.
func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// fmtAxis formats round axis values: 0, 2.5, 50k, 1.5M.
func fmtAxis(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.3f", v/1e6)) + "M"
	case v >= 1e3:
		return trimZero(fmt.Sprintf("%.3f", v/1e3)) + "k"
	default:
		return trimZero(fmt.Sprintf("%.3f", v))
	}
}

// wrap breaks s at blanks into lines of at most n characters (longer words
// stay whole).
func wrap(s string, n int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= n:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = "  " + w // continuation lines are indented
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func fmtMicros(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.2f", v)
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// shortTest shortens suite test names for chart labels:
// "LRANGE_100 (first 100 elements)" -> "LRANGE_100", "MSET (10 keys)" -> "MSET".
func shortTest(t string) string {
	if strings.HasPrefix(t, "LPUSH (needed") {
		return "LPUSH (for LRANGE)"
	}
	if i := strings.Index(t, " ("); i > 0 {
		return t[:i]
	}
	return t
}
