// Package markdown renders the body of a content activity (issue 18):
// CommonMark with GitHub's tables, strikethrough and autolinks, by goldmark,
// then sanitised by bluemonday so the HTML a learner's browser receives can
// hold no script, style, event handler, frame or form whatever an author
// typed. Raw HTML in the source is dropped by goldmark before the sanitiser
// sees it; the sanitiser is the second wall, not the only one.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxBody is the longest body accepted, in bytes (256 KiB): a long chapter,
// not a book.
const MaxBody = 256 << 10

var (
	md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(guard{}, 100))))

	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		// Links and images may point to http(s), mailto or a path on this
		// site (the training's attachments); no javascript: or data: URLs.
		p.AllowURLSchemes("http", "https", "mailto")
		p.AllowRelativeURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		// Headings get no id: a body's "#intro" must not collide with the
		// page's own ids.
		p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+-]+$`)).OnElements("code")
		return p
	}()
)

// HTML renders source as sanitised HTML, safe to write into a page as is.
// An empty source gives "". Rendering cannot fail on any input (goldmark
// accepts every string); an error is only a writer's, and then the escaped
// source is returned instead. Renderings are remembered (see cache): a
// body is rendered once, not on every page that shows it.
func HTML(source string) template.HTML {
	if source == "" {
		return ""
	}
	if h, ok := cache.get(source); ok {
		return h
	}
	h := render(source)
	cache.put(source, h)
	return h
}

// cache remembers renderings by their source, up to cacheBytes of source
// and HTML together; when full it starts again empty (bodies change
// rarely, and a training's are read together).
var cache = renderCache{m: map[string]template.HTML{}}

const cacheBytes = 32 << 20

type renderCache struct {
	mu    sync.Mutex
	m     map[string]template.HTML
	bytes int
}

func (c *renderCache) get(source string) (template.HTML, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[source]
	return h, ok
}

func (c *renderCache) put(source string, h template.HTML) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+len(source)+len(h) > cacheBytes {
		c.m, c.bytes = map[string]template.HTML{}, 0
	}
	c.m[source] = h
	c.bytes += len(source) + len(h)
}

func render(source string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(source), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(source))
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}

// guard rewrites the parsed document before rendering (review fix 10):
//   - a link or image to another site without a scheme ("//host/x", and
//     the "/\\host" and tab-split forms browsers read alike) is no link:
//     its text stays, an image goes; only http(s), mailto or a path on this
//     site lead anywhere;
//   - inline raw <style>, <script> and the like, which goldmark drops tag
//     by tag, take their content with them instead of leaving it as text.
type guard struct{}

// contentTags are the elements whose content is no text to show.
var contentTags = map[string]bool{"style": true, "script": true, "textarea": true, "title": true, "xmp": true, "noscript": true,
	"iframe": true, "noembed": true, "noframes": true, "template": true, "svg": true, "math": true, "object": true}

var rawTag = regexp.MustCompile(`^<(/?)([A-Za-z][A-Za-z0-9-]*)`)

func (guard) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var offsite []ast.Node
	var hidden []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			if otherSite(string(v.Destination)) {
				offsite = append(offsite, n)
			}
		case *ast.Image:
			if otherSite(string(v.Destination)) {
				offsite = append(offsite, n)
			}
		case *ast.RawHTML:
			m := rawTag.FindSubmatch(rawText(v, src))
			if m == nil || len(m[1]) > 0 || !contentTags[strings.ToLower(string(m[2]))] {
				return ast.WalkContinue, nil
			}
			name := strings.ToLower(string(m[2]))
			for next := n.NextSibling(); next != nil; next = next.NextSibling() {
				if r, ok := next.(*ast.RawHTML); ok {
					if c := rawTag.FindSubmatch(rawText(r, src)); c != nil && len(c[1]) > 0 && strings.ToLower(string(c[2])) == name {
						break
					}
				}
				hidden = append(hidden, next)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range hidden {
		if n.Parent() != nil {
			n.Parent().RemoveChild(n.Parent(), n)
		}
	}
	for _, n := range offsite {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		if _, ok := n.(*ast.Link); ok { // keep the words, drop the link
			for c := n.FirstChild(); c != nil; {
				next := c.NextSibling()
				parent.InsertBefore(parent, n, c)
				c = next
			}
		}
		parent.RemoveChild(parent, n)
	}
}

func rawText(n *ast.RawHTML, src []byte) []byte {
	var b []byte
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		b = append(b, seg.Value(src)...)
	}
	return b
}

// otherSite reports whether a link's destination leads to another site
// without naming a scheme: "//host", "/\\host", "\\\\host" (browsers
// drop tabs and line breaks in URLs and read "\\" as "/").
func otherSite(dest string) bool {
	d := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, strings.TrimLeft(dest, " \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))
	return strings.HasPrefix(d, "//")
}
