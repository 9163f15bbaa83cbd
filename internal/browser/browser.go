// Package browser starts Debian's chromium, headless, for the browser tests
// of the web pages and for the screenshots in docs/screenshots: one browser
// per process, each user in a browser context (cookies) of their own.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser;
// SKILLPATH_CHROMIUM names another.
const DefaultPath = "/usr/bin/chromium"

// Path returns the chromium to run. It is an error, not a reason to skip,
// when there is none: .ci/run installs it.
func Path() (string, error) {
	p := os.Getenv("SKILLPATH_CHROMIUM")
	if p == "" {
		p = DefaultPath
	}
	if _, err := exec.LookPath(p); err != nil {
		return "", fmt.Errorf("chromium is required for the browser tests (%s: %v); install Debian's chromium package (.ci/run does)", p, err)
	}
	return p, nil
}

// Browser is one running chromium.
type Browser struct {
	ctx     context.Context // the browser's own context: new tabs derive from it
	cancel  func()
	dataDir string
}

// Start runs chromium headless with a fresh profile, no sandbox (containers
// forbid it), no GPU, and none of the background traffic a browser makes on
// its own (component updates, sync, safe browsing).
func Start(width, height int) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "skillpath-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, dataDir: dir, cancel: func() { cancelBrowser(); cancelAlloc() }}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		b.Close()
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	return b, nil
}

// User opens a tab in a new browser context: a person with cookies of
// their own. Cancel it when done.
func (b *Browser) User() (context.Context, context.CancelFunc) {
	return chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	os.RemoveAll(b.dataDir)
}
