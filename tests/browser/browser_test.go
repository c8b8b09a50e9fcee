package browser

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds every browser step (a navigation, a wait for a
// condition); the walk as a whole is bounded by the test's deadline.
const stepTimeout = 30 * time.Second

// browser is one headless chromium tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	// secret, when set, must be in no page that open or submit reaches.
	secret string
}

// chromiumPath finds Debian's chromium (or another Chrome) on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: `make deps-browser` (run by make test) installs Debian's chromium")
	return ""
}

// newBrowser starts headless chromium with a window of width×height,
// never dialling out, and closes it when the test ends.
func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.WindowSize(width, height),
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser: it must run without a
	// timeout, which would stop the browser with it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// step runs a within stepTimeout, failing the test with what on an
// error, and returns its value.
func step[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to url and returns the main document's response.
func (b *browser) open(url string) *network.Response {
	b.t.Helper()
	resp := step(b, "open "+url, chromedp.NavigateResponse(url))
	b.noSecret()
	return resp
}

// noSecret fails the test if the page shows b.secret.
func (b *browser) noSecret() {
	b.t.Helper()
	if b.secret != "" && strings.Contains(eval[string](b, `document.documentElement.outerHTML`), b.secret) {
		b.t.Errorf("the page at %s shows the token", eval[string](b, `location.href`))
	}
}

// submit clicks sel (a submit button) and returns the response of the
// page it leads to.
func (b *browser) submit(sel string) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	b.noSecret()
	return resp
}

// fill types text into the input sel, replacing its value.
func (b *browser) fill(sel, text string) {
	b.t.Helper()
	step(b, "fill "+sel, chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+js(sel)+`).value = ''`),
		chromedp.SendKeys(chromedp.CSS(sel), text)))
}

// waitJS waits until the JavaScript expression is true, polling in the
// page (never reloading it), failing the test after stepTimeout.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	step(b, "wait for "+what, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(stepTimeout), chromedp.WithPollingInterval(100*time.Millisecond)))
}

// reloadUntil opens url until the JavaScript expression is true in the
// page, failing the test after stepTimeout: for what a page shows as it
// was when served.
func (b *browser) reloadUntil(what, url, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		b.open(url)
		if eval[bool](b, expr) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %s of reloading %s", what, stepTimeout, url)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// eval evaluates the JavaScript expression, awaiting a promise, and
// returns its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	return step(b, "evaluate "+expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// text is the visible text of the first node matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return step(b, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// screenshot saves a full-page PNG as name in DASHBOARD_SCREENSHOTS, if set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("DASHBOARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := step(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
