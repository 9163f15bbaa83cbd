package markdown_test

import (
	"html/template"
	"strconv"
	"strings"
	"testing"
	"time"

	"skillpath/markdown"
)

// BenchmarkHTML renders a content body of the demo's size (about 600
// bytes) and one of the largest allowed (64 KiB), each against a floor
// measured in the same run: escaping the same text for HTML, the least a
// page does with it. x_floor is how many times longer rendering takes.
// "first" renders a body never seen (a new one each time); "again" one
// already rendered, as every page after the first shows it.
func BenchmarkHTML(b *testing.B) {
	section := "## Before you drive\n\nWalk round the truck and check, in this order:\n\n" +
		"1. **Forks and chains**: no cracks, bends or worn links.\n2. Tyres and wheels: no cuts.\n3. Hydraulics: no leaks.\n\n" +
		"| Who | Does what |\n|---|---|\n| You | Report at once |\n| Supervisor | Tags the truck |\n\n" +
		"See [the guide](https://example.org/guide) and ![the lever](/trainings/1/attachments/2).\n\n"
	for _, c := range []struct {
		name string
		body string
	}{
		{"demo_size", section},
		{"largest_64KiB", strings.Repeat(section, (64<<10)/len(section))},
	} {
		for _, again := range []bool{false, true} {
			name := c.name + "/first"
			if again {
				name = c.name + "/again"
			}
			b.Run(name, func(b *testing.B) {
				var render, floor time.Duration
				n := 0
				for b.Loop() {
					body := c.body
					if !again {
						n++
						body = strconv.Itoa(n) + c.body
					}
					start := time.Now()
					_ = markdown.HTML(body)
					render += time.Since(start)
					start = time.Now()
					_ = template.HTMLEscapeString(c.body)
					floor += time.Since(start)
				}
				b.ReportMetric(float64(render.Microseconds())/float64(b.N), "µs/render")
				b.ReportMetric(render.Seconds()/floor.Seconds(), "x_floor")
			})
		}
	}
}
