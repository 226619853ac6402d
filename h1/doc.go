// Package h1 is a placeholder.
package h1
