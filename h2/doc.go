// Package h2 is a placeholder.
package h2
