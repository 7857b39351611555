//go:build !unix

package netguard

func openFileLimit() int { return 0 }
