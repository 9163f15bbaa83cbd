package markdown_test

import (
	"strings"
	"testing"

	"skillpath/markdown"
)

func TestHTML(t *testing.T) {
	for _, c := range []struct {
		name, in   string
		want, deny []string
	}{
		{"empty", "", nil, []string{"<"}},
		{"heading and emphasis", "## Lifting\n\nBend your **knees**.", []string{"<h2>Lifting</h2>", "<strong>knees</strong>"}, []string{"id="}},
		{"list", "- one\n- two", []string{"<ul>", "<li>one</li>"}, nil},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"attachment image", "![A forklift](/trainings/1/attachments/2)", []string{`<img src="/trainings/1/attachments/2" alt="A forklift"`}, nil},
		{"external link", "[Guide](https://example.org/g)", []string{`href="https://example.org/g"`, `rel="nofollow"`}, nil},
		{"raw script dropped", "<script>alert(1)</script>\n\nhi", []string{"hi"}, []string{"<script", "alert"}},
		{"event handler dropped", `<img src=x onerror=alert(1)>`, nil, []string{"onerror"}},
		{"javascript link dropped", "[x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"data image dropped", "![x](data:image/png;base64,AAAA)", nil, []string{"data:"}},
		{"inline html escaped", "a <b onclick=x>b</b>", nil, []string{"onclick"}},
		// review fix 10: no link to another site without a scheme; inline
		// style and script take their content with them
		{"protocol-relative link dropped", "[p](//evil.example/x) after", []string{"p after"}, []string{"evil", "href"}},
		{"backslash protocol-relative link dropped", `[p](/\evil.example/x)`, []string{"p"}, []string{"evil", "href"}},
		{"protocol-relative image dropped", "![i](//evil.example/i.png)", nil, []string{"evil", "<img"}},
		{"path link kept", "[a](/trainings/1/attachments/2)", []string{`href="/trainings/1/attachments/2"`}, nil},
		{"inline style content dropped", "Hi <style>body{display:none}</style> there", []string{"Hi", "there"}, []string{"display", "body{", "<style"}},
		{"inline script content dropped", "a <SCRIPT>alert(1)</SCRIPT> b", []string{"a", "b"}, []string{"alert"}},
		{"unclosed inline style", "x <style>p{color:red}", []string{"x"}, []string{"color"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(markdown.HTML(c.in))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML(%q) = %q, want it to contain %q", c.in, got, w)
				}
			}
			for _, d := range c.deny {
				if strings.Contains(got, d) {
					t.Errorf("HTML(%q) = %q, must not contain %q", c.in, got, d)
				}
			}
		})
	}
}

func FuzzHTML(f *testing.F) {
	f.Add("<script>x</script>[a](javascript:b)")
	f.Fuzz(func(t *testing.T, s string) {
		got := strings.ToLower(string(markdown.HTML(s)))
		for _, d := range []string{"<script", `href="javascript:`, `src="javascript:`, "<iframe", "<style"} {
			if strings.Contains(got, d) {
				t.Fatalf("HTML(%q) = %q contains %q", s, got, d)
			}
		}
	})
}
