module aigc-registry/interop/go-tlog

go 1.19

require golang.org/x/mod v0.7.0

// Debian's golang-golang-x-mod-dev: builds offline, with no go.sum (note and tlog import only
// the standard library).
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
