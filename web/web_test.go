package web

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestPagesEmbedded(t *testing.T) {
	for _, name := range []string{"index.html", "softphone.html", "agent.html", "style.css",
		"i18n.js", "common.js", "softphone.js", "agent.js", "index.js", "wallboard.html", "wallboard.js",
		"assist.js", "charts.js", "trends.js", "callview.js", "summary.js", "conn.js", "vocab.js", "vendor/uplot/uPlot.esm.js", "vendor/uplot/uPlot.min.css", "vendor/uplot/LICENSE"} {
		b, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(b) == 0 {
			t.Fatalf("%s is empty", name)
		}
	}
}

// TestAssetsResolve checks that every local src/href and JS import names an embedded file,
// served with a type the browser accepts under X-Content-Type-Options: nosniff.
func TestAssetsResolve(t *testing.T) {
	srv := httptest.NewServer(http.FileServerFS(FS))
	defer srv.Close()
	ref := regexp.MustCompile(`(?:src|href)="((?:vendor/[a-z]+/)?[A-Za-z.]+\.(?:js|css|html))"|from '\./((?:vendor/[a-z]+/)?[A-Za-z0-9.]+\.js)'`)
	want := map[string]string{".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
	entries, _ := fs.Glob(FS, "*")
	for _, name := range entries {
		b, _ := fs.ReadFile(FS, name)
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			target := m[1] + m[2]
			res, err := http.Get(srv.URL + "/" + target)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("%s refers to %s: %d", name, target, res.StatusCode)
				continue
			}
			ext := target[strings.LastIndex(target, "."):]
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, want[ext]) {
				t.Errorf("%s served as %q, want %s", target, ct, want[ext])
			}
		}
	}
}

// TestTranslations checks that every key the pages use exists in English and in Dutch.
func TestTranslations(t *testing.T) {
	src, err := fs.ReadFile(FS, "i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	en, nl := s[strings.Index(s, "en: {"):strings.Index(s, "nl: {")], s[strings.Index(s, "nl: {"):]
	keyRe := regexp.MustCompile(`'([a-z]+\.[a-z0-9._]+)':`)
	enKeys, nlKeys := map[string]bool{}, map[string]bool{}
	for _, m := range keyRe.FindAllStringSubmatch(en, -1) {
		enKeys[m[1]] = true
	}
	for _, m := range keyRe.FindAllStringSubmatch(nl, -1) {
		nlKeys[m[1]] = true
	}
	for k := range enKeys {
		if !nlKeys[k] {
			t.Errorf("key %q has no Dutch text", k)
		}
	}
	for k := range nlKeys {
		if !enKeys[k] {
			t.Errorf("key %q has no English text", k)
		}
	}
	used := regexp.MustCompile(`data-i18n(?:-[a-z]+)?="([^"]+)"|\bt[f]?\('([a-z]+\.[a-z0-9._]+)'[,)]`)
	entries, _ := fs.Glob(FS, "*")
	for _, name := range entries {
		if name == "i18n.js" {
			continue
		}
		b, _ := fs.ReadFile(FS, name)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			k := m[1] + m[2]
			if !enKeys[k] {
				t.Errorf("%s uses key %q that i18n.js lacks", name, k)
			}
		}
	}
	if len(enKeys) < 40 {
		t.Fatalf("parsed only %d keys: the test's parser is out of date", len(enKeys))
	}
}

// TestScriptsParse runs every module through node's parser, so a syntax error fails here
// and not only in the browser test (where it shows as a page that never renders).
func TestScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: the JavaScript syntax check is skipped (the browser test still loads every page)")
	}
	names, _ := fs.Glob(FS, "*.js")
	for _, name := range names {
		src, _ := fs.ReadFile(FS, name)
		cmd := exec.Command(node, "--input-type=module", "--check")
		cmd.Stdin = bytes.NewReader(src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", name, err, out)
		}
	}
}
