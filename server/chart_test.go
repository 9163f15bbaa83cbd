package server

import (
	"strings"
	"testing"
	"time"

	"skillpath/report"
)

// The grid's step is 1, 2 or 5 times a power of ten, with at most five
// lines above zero, and its top covers the highest bar.
func TestChartScale(t *testing.T) {
	for _, tt := range []struct{ top, step, scaleTop int }{
		{0, 1, 1}, {1, 1, 1}, {5, 1, 5}, {6, 2, 6}, {10, 2, 10}, {11, 5, 15}, {26, 10, 30},
		{49, 10, 50}, {51, 20, 60}, {123, 50, 150}, {76902, 20000, 80000},
	} {
		if step, top := scale(tt.top); step != tt.step || top != tt.scaleTop {
			t.Errorf("scale(%d) = %d, %d; want %d, %d", tt.top, step, top, tt.step, tt.scaleTop)
		}
	}
}

// The chart says its totals in words, draws no bar for a month with
// nothing, puts the highest bar at the top of the scale and today within
// the current month.
func TestNewChart(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 16, 0, 0, 0, 0, paris) // half of November
	tl := report.NewTimeline(now, paris, 12, 12)
	tl.Months[2].Delivered, tl.Months[11].Expiring, tl.Months[12].Expiring = 4, 1, 3
	c := newChart(tl, now)
	want := "From December 2025 to November 2026: 4 certificates delivered, 1 certificate expired and not renewed since. " +
		"From December 2026 to November 2027: 3 certificates expiring unless renewed."
	if c.Desc != want {
		t.Errorf("description %q, want %q", c.Desc, want)
	}
	if len(c.Bars) != 3 || c.Empty != nil || len(c.Rows) != 24 || !c.Rows[11].Current {
		t.Fatalf("%d bars, empty %v, %d rows", len(c.Bars), c.Empty, len(c.Rows))
	}
	if top := c.Bars[0]; top.Y != c.Plot.Top || top.Class != "bar-delivered" || top.Title != "February 2026: 4 delivered" {
		t.Errorf("highest bar %+v, plot top %v", top, c.Plot.Top)
	}
	slot := (c.Plot.Right - c.Plot.Left) / 24
	if middle := c.Plot.Left + 11.5*slot; c.Today.X < middle-1 || c.Today.X > middle+1 {
		t.Errorf("today at %v, want about %v", c.Today.X, middle)
	}
	if !strings.HasPrefix(c.Labels[2].Month, "Feb") {
		t.Errorf("labels %+v", c.Labels[:3])
	}
	// Years (issue 18): December 2025 alone is "’25", 2026 and 2027 are
	// centred under their months, so no two labels overlap.
	if len(c.Years) != 3 || c.Years[0].Label != "’25" || c.Years[1].Label != "2026" || c.Years[2].Label != "2027" ||
		c.Years[1].X != c.Plot.Left+7*slot || c.Years[1].Edge != c.Plot.Left+slot || c.Years[0].Edge != 0 {
		t.Errorf("years %+v", c.Years)
	}
	for i := 1; i < len(c.Years); i++ {
		if c.Years[i].X-c.Years[i-1].X < 28 {
			t.Errorf("years %d and %d are %.1f apart", i-1, i, c.Years[i].X-c.Years[i-1].X)
		}
	}
	if empty := newChart(report.NewTimeline(now, paris, 12, 12), now); empty.Empty == nil || len(empty.Bars) != 0 {
		t.Errorf("a chart of nothing: %+v", empty)
	}
}
