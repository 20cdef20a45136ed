package main

import "flag"

// showVersion is -version: print which build this is and exit.
var showVersion = flag.Bool("version", false, "print the version, the commit and the Go version of this build, and exit")
