// Package axe runs axe-core, Deque's accessibility engine, in a page the
// browser tests have open (issue 18). axe-core is installed from npm by
// `make unit` (internal/axe/node_modules, from the committed lock file) and
// injected into the page at test time: none of its code is in this
// repository.
package axe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tags are the rules run: WCAG 2.0 and 2.1, levels A and AA.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one rule a page breaks, with the elements that break it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"` // minor, moderate, serious or critical
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// String is the violation as a test reports it.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 3 {
			fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-3)
			break
		}
		fmt.Fprintf(&b, "\n    %v %s", n.Target, n.HTML)
	}
	return b.String()
}

var (
	scriptOnce sync.Once
	script     string
	scriptErr  error
)

// Script returns axe.min.js as npm installed it beside this file. It is an
// error, not a reason to skip, when it is missing: `make unit` installs it.
func Script() (string, error) {
	scriptOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(file), "node_modules", "axe-core", "axe.min.js")
		b, err := os.ReadFile(path)
		if err != nil {
			scriptErr = fmt.Errorf("axe-core is required for the accessibility tests (%v); run `make internal/axe/node_modules` (npm ci in internal/axe)", err)
			return
		}
		script = string(b)
	})
	return script, scriptErr
}

// Run injects axe-core into the page the context shows, if it is not
// there yet, runs the Tags rules on the whole document and returns the
// violations.
func Run(ctx context.Context) ([]Violation, error) {
	src, err := Script()
	if err != nil {
		return nil, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" || (function(){`+src+`
;return true})()`)); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	tags, _ := json.Marshal(Tags)
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations))`, func(p *cdpruntime.EvaluateParams) {
		await := true
		p.AwaitPromise = &await
	}))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var out []Violation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("axe-core's answer: %w", err)
	}
	return out, nil
}
