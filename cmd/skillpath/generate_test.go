package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"skillpath/internal/testdb"
)

func TestGenerateCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.URL(t, dialect)
		env := map[string]string{"SKILLPATH_NOW": "2026-11-22T10:00:00Z"}
		getenv := func(k string) string { return env[k] }
		var out, errs bytes.Buffer
		if err := run(ctx, []string{"generate", "--db", url, "--learners", "300", "--seed", "9"}, getenv, &out, &errs); err != nil {
			t.Fatalf("generate: %v\n%s%s", err, out.String(), errs.String())
		}
		for _, want := range []string{"300 learners", "log in as admin@synthetic.skillpath.test"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
		for _, want := range []string{"generating: 300 of 300 learners", "building indexes"} {
			if !strings.Contains(errs.String(), want) {
				t.Errorf("progress on stderr lacks %q:\n%s", want, errs.String())
			}
		}
		out.Reset()
		if err := run(ctx, []string{"recompute", "--db", url, "--check"}, getenv, &out, &errs); err != nil {
			t.Errorf("recompute --check after generate: %v\n%s", err, out.String())
		}
		err := run(ctx, []string{"generate", "--db", url, "--learners", "10"}, getenv, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("generate on a filled database: %v, want a refusal", err)
		}
	})
	t.Run("an internal failure names its cause", func(t *testing.T) {
		// a directory, not empty, where the load's first side file goes
		path := t.TempDir() + "/g.db"
		if err := os.MkdirAll(path+"-bulk1/in-the-way", 0o755); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), []string{"generate", "--db", "sqlite:" + path, "--learners", "10"},
			func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "side file") || strings.Contains(err.Error(), "Internal error") {
			t.Errorf("generate beside a side file it cannot replace: %v, want the cause named", err)
		}
	})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"generate"}, "--learners N is required"},
		{[]string{"generate", "--learners", "0"}, "must be 1 or more"},
		{[]string{"generate", "--learners", "x"}, "invalid value"},
		{[]string{"generate", "--learners", "2000000000"}, "at most 10000000"},
		{[]string{"generate", "--learners", "10", "--db", "mysql://localhost/x"}, `unknown database scheme "mysql"`},
		{[]string{"generate", "--learners", "10", "--db", "sqlite3:x.db"}, `unknown database scheme "sqlite3"`},
		// a stray word ended the flags: the --db after it was ignored and
		// ./skillpath.db was filled
		{[]string{"generate", "--learners", "10", "extra", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, `unexpected argument "extra"`},
		{[]string{"recompute", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "extra", "--addr", "1"}, `unexpected argument "extra"`},
	} {
		err := run(context.Background(), tc.args, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
