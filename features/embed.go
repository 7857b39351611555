// Package features is coachsim's conformance specification: Gherkin feature files grouped by domain
// (supervision/, session/, notifications/), the catalogue of conformance IDs (catalogue.yaml) and the step
// vocabulary (README.md). All of it is embedded, so the binary can run and check the suite without the source
// tree.
//
// The package also owns the rules that keep those three in agreement. Check parses every feature file, reads
// the catalogue and the vocabulary, and reports each disagreement: IDs missing from one side, duplicate IDs,
// scenarios without exactly one @documented/@inferred label or without a MUST description line, and steps that
// no vocabulary phrase (or more than one) matches.
//
// Concurrency: everything here is read-only data and pure functions over an fs.FS. There is no package-level
// mutable state; every function is safe for concurrent use.
package features

import (
	"embed"
	"io/fs"
)

// Paths of the two data files inside Files.
const (
	CataloguePath  = "catalogue.yaml"
	VocabularyPath = "README.md"
)

//go:embed README.md SPEC.md catalogue.yaml */*.feature
var embedded embed.FS

// Files returns the embedded suite: README.md, SPEC.md, catalogue.yaml and every feature file, at their paths relative
// to this folder (for example "supervision/coach.feature").
func Files() fs.FS { return embedded }
