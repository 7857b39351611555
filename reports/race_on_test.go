//go:build race

package reports_test

// raceDetector says the tests run with -race, which slows rendering about eightfold.
const raceDetector = true
