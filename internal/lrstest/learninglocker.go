package lrstest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// LearningLocker checks statements with Learning Locker's own validator,
// the npm package @learninglocker/xapi-validation, which the LRS it belongs
// to runs on every statement it receives. It runs `node` on the script of
// internal/xapivalidator and returns, per statement in order, the problems
// found (none for a valid statement). A missing node or package fails the
// test: `npm ci` in internal/xapivalidator installs it (.ci/run does).
func LearningLocker(t testing.TB, statements ...any) [][]string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(here), "..", "xapivalidator")
	input, err := json.Marshal(statements)
	if err != nil {
		t.Fatalf("statements to JSON: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required to run Learning Locker's xAPI validator: %v", err)
	}
	cmd := exec.Command(node, "validate.js")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("Learning Locker's xAPI validator did not run (npm ci in %s installs it): %v\n%s", dir, err, stderr.String())
	}
	var problems [][]string
	if err := json.Unmarshal(stdout.Bytes(), &problems); err != nil || len(problems) != len(statements) {
		t.Fatalf("the validator answered %q for %d statements: %v", stdout.String(), len(statements), err)
	}
	return problems
}
