package main

import (
	"testing"

	"github.com/ttpnl/ttp/server/store/pgtest"
)

// TestMain stops the PostgreSQL cluster that the tests on that backend use.
func TestMain(m *testing.M) { pgtest.Main(m) }
