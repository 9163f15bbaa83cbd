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
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// MaxBody is the longest body accepted, in bytes (256 KiB): a long chapter,
// not a book.
const MaxBody = 256 << 10

var (
	md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

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
