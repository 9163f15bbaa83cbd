package server

import (
	"fmt"
	"strconv"
	"time"

	"skillpath/report"
)

// chart is the certificate page's bar chart (issue 7), drawn on the server
// as inline SVG, without a library: per month, a solid bar of certificates
// delivered and a hatched bar of certificates expiring — told apart by
// pattern as well as colour — with a line at today. The SVG has a title and
// a description giving the totals; the same numbers are in a table below.
type chart struct {
	Width, Height int
	Title, Desc   string
	Plot          chartBox // the area of the bars
	Bars          []chartBar
	Ticks         []chartTick
	Labels        []chartLabel
	Years         []chartYear
	Today         chartToday
	Empty         *chartPoint // where to say there is nothing to show, if so
	Rows          []chartRow
}

// chartToday is the line at today and its label's height.
type chartToday struct{ X, Top, LabelY float64 }

type chartPoint struct{ X, Y float64 }

type chartBox struct{ Left, Top, Right, Bottom float64 }

// chartBar is one bar; Class says which series (bar-delivered, bar-expiring).
type chartBar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

// chartTick is a horizontal grid line, with its value written at TextX,
// TextY.
type chartTick struct {
	Y, TextX, TextY float64
	Label           string
}

// chartLabel names a month under the bars.
type chartLabel struct {
	X, MonthY float64
	Month     string
}

// chartYear names a year under the run of its months (issue 18: a label
// per January and one on the first month overlapped when the chart began
// in December): centred under the run, in full when the run spans two
// months or more, as "’25" under a lone month; Edge, when set, is the x of
// the line that parts it from the year before.
type chartYear struct {
	X, Y, Edge float64
	Label      string
}

// chartRow is a month of the table beside the chart.
type chartRow struct {
	Month               string
	Delivered, Expiring int
	Current             bool
}

// The chart's drawing size (the SVG scales to its box).
const (
	chartWidth, chartHeight = 760, 270
	chartBarWidth, chartGap = 10.0, 2.0
)

// newChart draws the timeline; now places the line at today.
func newChart(tl *report.Timeline, now time.Time) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Plot: chartBox{Left: 44, Top: 28, Right: chartWidth - 8, Bottom: chartHeight - 42}}
	c.Title = "Certificates delivered and expiring per month"
	past, future := tl.Totals()
	first, current, last := tl.Months[0].Start, tl.Months[tl.Current].Start, tl.Months[len(tl.Months)-1].Start
	c.Desc = fmt.Sprintf("From %s to %s: %s delivered, %s expired and not renewed since. From %s to %s: %s expiring unless renewed.",
		monthName(first), monthName(current), quantity(past.Delivered, "certificate"), quantity(past.Expiring, "certificate"),
		monthName(tl.Months[min(tl.Current+1, len(tl.Months)-1)].Start), monthName(last), quantity(future.Expiring, "certificate"))
	top := 0
	for _, m := range tl.Months {
		top = max(top, m.Delivered, m.Expiring)
	}
	if top == 0 {
		c.Empty = &chartPoint{X: (c.Plot.Left + c.Plot.Right) / 2, Y: (c.Plot.Top + c.Plot.Bottom) / 2}
	}
	step, scaleTop := scale(top)
	height := c.Plot.Bottom - c.Plot.Top
	y := func(v int) float64 { return c.Plot.Bottom - float64(v)/float64(scaleTop)*height }
	for v := 0; v <= scaleTop; v += step {
		c.Ticks = append(c.Ticks, chartTick{Y: y(v), TextX: c.Plot.Left - 6, TextY: y(v) + 4, Label: strconv.Itoa(v)})
	}
	slot := (c.Plot.Right - c.Plot.Left) / float64(len(tl.Months))
	for i, m := range tl.Months {
		x := c.Plot.Left + float64(i)*slot
		name := monthName(m.Start)
		bars := []struct {
			n            int
			class, title string
		}{{m.Delivered, "bar-delivered", "delivered"}, {m.Expiring, "bar-expiring", "expiring"}}
		for j, b := range bars {
			if b.n == 0 {
				continue
			}
			bx := x + (slot-2*chartBarWidth-chartGap)/2 + float64(j)*(chartBarWidth+chartGap)
			c.Bars = append(c.Bars, chartBar{X: bx, Y: y(b.n), W: chartBarWidth, H: c.Plot.Bottom - y(b.n), Class: b.class,
				Title: fmt.Sprintf("%s: %d %s", name, b.n, b.title)})
		}
		c.Labels = append(c.Labels, chartLabel{X: x + slot/2, MonthY: c.Plot.Bottom + 16, Month: m.Start.Month().String()[:3]})
		c.Rows = append(c.Rows, chartRow{Month: name, Delivered: m.Delivered, Expiring: m.Expiring, Current: i == tl.Current})
	}
	c.Years = yearLabels(tl, c.Plot.Left, slot, c.Plot.Bottom+32)
	// today, within its month
	start := tl.Months[tl.Current].Start
	end := start.AddDate(0, 1, 0)
	c.Today = chartToday{X: c.Plot.Left + (float64(tl.Current)+float64(now.Sub(start))/float64(end.Sub(start)))*slot,
		Top: c.Plot.Top - 10, LabelY: c.Plot.Top - 14}
	return c
}

// scale chooses the grid's step — 1, 2 or 5 times a power of ten, for at
// most five lines above zero — and the top of the scale, a multiple of it.
func scale(top int) (step, scaleTop int) {
	if top <= 0 {
		return 1, 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if step = m * p; (top+step-1)/step <= 5 {
				return step, (top + step - 1) / step * step
			}
		}
	}
}

// monthName is a month as pages write it: "March 2026".
func monthName(t time.Time) string { return t.Format("January 2006") }

// yearLabels names the years of the timeline's months, each centred under
// the run of its months whose slots start at left and are slot wide.
func yearLabels(tl *report.Timeline, left, slot, y float64) []chartYear {
	var years []chartYear
	first := 0
	for i := 1; i <= len(tl.Months); i++ {
		if i < len(tl.Months) && tl.Months[i].Start.Year() == tl.Months[first].Start.Year() {
			continue
		}
		label := strconv.Itoa(tl.Months[first].Start.Year())
		if i-first < 2 {
			label = "’" + label[len(label)-2:]
		}
		cy := chartYear{X: left + (float64(first)+float64(i-first)/2)*slot, Y: y, Label: label}
		if first > 0 {
			cy.Edge = left + float64(first)*slot
		}
		years = append(years, cy)
		first = i
	}
	return years
}
