// Command go-tlog checks an aigc-registry transparency log from outside, with Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog and the standard library only.
//
// It reads the log the way a C2SP client does (c2sp.org/signed-note, tlog-checkpoint,
// tlog-tiles) and compares what it computes with the registry's JSON proofs (/api/v1/log).
// Each check prints one line, "ok   NAME: what" or "FAIL NAME: what"; the exit status is 1
// when any check failed.
//
//	go-tlog -url http://127.0.0.1:8000 [-key VKEY] [-old saved-checkpoint.txt]
//
// -key pins the log's verifier key (otherwise /log/key is trusted); -old is a checkpoint
// note saved earlier, which the newest checkpoint must be consistent with.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is fixed by c2sp.org/tlog-tiles: a full tile holds 2^8 = 256 hashes.
const tileHeight = 8

var (
	baseURL    = flag.String("url", "", "the registry's base URL, e.g. http://127.0.0.1:8000")
	pinnedKey  = flag.String("key", "", "the log's verifier key (vkey); without it, /log/key is trusted")
	oldNote    = flag.String("old", "", "a checkpoint note saved earlier, to prove the newest consistent with it")
	httpClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	failures   int
)

// check prints one result line and reports whether cond held.
func check(cond bool, name, format string, args ...any) bool {
	verdict := "ok  "
	if !cond {
		verdict = "FAIL"
		failures++
	}
	fmt.Printf("%s %s: %s\n", verdict, name, fmt.Sprintf(format, args...))
	return cond
}

// must is a check the following ones depend on: when it fails, the run stops.
func must(cond bool, name, format string, args ...any) {
	if !check(cond, name, format, args...) {
		fmt.Printf("%d failures (stopped at %s)\n", failures, name)
		os.Exit(1)
	}
}

// stopOnError fails the run at an error that leaves nothing more to check (a lost connection).
func stopOnError(err error, name, format string, args ...any) {
	if err != nil {
		must(false, name, format+" (err=%v)", append(args, err)...)
	}
}

// ---- HTTP --------------------------------------------------------------------------------

func get(path string) (int, []byte) {
	resp, err := httpClient.Get(*baseURL + path)
	stopOnError(err, "http", "GET %s", path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	stopOnError(err, "http", "GET %s: reading the body", path)
	return resp.StatusCode, body
}

// getJSON decodes a 200 answer into v and reports whether there was one.
func getJSON(path string, v any) bool {
	status, body := get(path)
	return status == http.StatusOK && json.Unmarshal(body, v) == nil
}

type inclusionJSON struct {
	Index      int64    `json:"index"`
	TreeSize   int64    `json:"tree_size"`
	Proof      []string `json:"proof"`
	Checkpoint *string  `json:"checkpoint"`
}

type consistencyJSON struct {
	NewSize    int64    `json:"new_size"`
	Proof      []string `json:"proof"`
	Checkpoint *string  `json:"checkpoint"`
}

type entryJSON struct {
	LeafHash string `json:"leaf_hash"`
}

func decodeHashes(encoded []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(encoded))
	for i, s := range encoded {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("bad hash %q", s)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func equalHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- C2SP tiles through tlog.TileHashReader ------------------------------------------------

// c2spTilePath maps a sumdb tile to its c2sp.org/tlog-tiles path. sumdb writes
// tile/H/L/NNN[.p/W] and tile/H/data/NNN[.p/W]; C2SP has no height element (always 8) and
// calls the record level "entries". The index encoding and the .p/W suffix are the same.
func c2spTilePath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", tileHeight))
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// httpTiles is a tlog.TileReader over the registry's /log/tile/... endpoint.
type httpTiles struct{ cache map[string][]byte }

func newHTTPTiles() *httpTiles { return &httpTiles{cache: map[string][]byte{}} }

func (r *httpTiles) Height() int { return tileHeight }

func (r *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := c2spTilePath(t)
		data, cached := r.cache[p]
		if !cached {
			status, body := get("/log/" + p)
			if status != http.StatusOK {
				return nil, fmt.Errorf("GET /log/%s: HTTP %d", p, status)
			}
			data = body
			r.cache[p] = data
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", p, len(data), t.W*tlog.HashSize)
		}
		out[i] = data
	}
	return out, nil
}

func (r *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// parseEntryBundle splits a C2SP entry bundle: each entry is a big-endian uint16 length, then its bytes.
func parseEntryBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for off := 0; off < len(data); {
		if off+2 > len(data) {
			return nil, fmt.Errorf("truncated length prefix at byte %d", off)
		}
		n := int(binary.BigEndian.Uint16(data[off:]))
		off += 2
		if off+n > len(data) {
			return nil, fmt.Errorf("an entry of %d bytes at byte %d runs past the bundle's %d", n, off, len(data))
		}
		entries = append(entries, data[off:off+n])
		off += n
	}
	return entries, nil
}

// ---- checkpoints ---------------------------------------------------------------------------

type checkpoint struct {
	origin string
	tree   tlog.Tree
	note   *note.Note
}

// parseCheckpoint parses a c2sp.org/tlog-checkpoint body: origin, decimal size with no leading
// zeros, base64 root hash, then optional extension lines. (tlog.ParseTree cannot: it wants the
// sumdb header "go.sum database tree" where C2SP has the origin.)
func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if !strings.HasSuffix(text, "\n") || len(lines) < 3 || lines[0] == "" {
		return checkpoint{}, errors.New("expected origin, size and root hash lines ending in a newline")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := decodeHashes(lines[2:3])
	if err != nil {
		return checkpoint{}, err
	}
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: root[0]}}, nil
}

func openCheckpoint(msg []byte, verifiers note.Verifiers) (checkpoint, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return checkpoint{}, err
	}
	cp, err := parseCheckpoint(n.Text)
	cp.note = n
	return cp, err
}

// withCharChanged is msg with the (base64) character at i replaced by another one.
func withCharChanged(msg []byte, i int) []byte {
	changed := append([]byte(nil), msg...)
	if changed[i] == 'A' {
		changed[i] = 'B'
	} else {
		changed[i] = 'A'
	}
	return changed
}

// ---- the checks ----------------------------------------------------------------------------

func checkKey() note.Verifier {
	_, body := get("/log/key")
	vkey := strings.TrimSpace(string(body))
	if *pinnedKey != "" {
		check(vkey == *pinnedKey, "key/pinned", "/log/key is the pinned key %s (served %s)", *pinnedKey, vkey)
		vkey = *pinnedKey
	}
	verifier, err := note.NewVerifier(vkey)
	must(err == nil, "key/parses", "note.NewVerifier parses the vkey %s (err=%v)", vkey, err)
	// c2sp.org/signed-note: key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4].
	key, _ := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2]) // name+id+key; key may hold '+'
	id := sha256.Sum256(append([]byte(verifier.Name()+"\n"), key...))
	check(len(key) == 33 && key[0] == 0x01 && binary.BigEndian.Uint32(id[:4]) == verifier.KeyHash(), "key/id",
		"Ed25519 key (0x01 || 32 bytes) whose ID %08x = SHA-256(name || 0x0A || key)[:4]", verifier.KeyHash())
	return verifier
}

func checkCheckpoint(verifier note.Verifier) checkpoint {
	verifiers := note.VerifierList(verifier)
	_, msg := get("/log/checkpoint")
	cp, err := openCheckpoint(msg, verifiers)
	must(err == nil, "checkpoint/opens", "note.Open verifies /log/checkpoint with the log key and it parses (err=%v)", err)
	fmt.Printf("     (origin %q, size %d, root %s, %d unverified signatures)\n", cp.origin, cp.tree.N, cp.tree.Hash, len(cp.note.UnverifiedSigs))
	check(cp.origin == verifier.Name(), "checkpoint/origin", "the origin line %q is the key's name", cp.origin)
	sumdbBody := tlog.FormatTree(cp.tree)[len("go.sum database tree\n"):]
	check(strings.HasPrefix(cp.note.Text, cp.origin+"\n"+string(sumdbBody)), "checkpoint/body",
		"after the origin line, the body is tlog.FormatTree's")

	forgedSize := bytes.Replace(msg, []byte(fmt.Sprintf("\n%d\n", cp.tree.N)), []byte(fmt.Sprintf("\n%d\n", cp.tree.N+1)), 1)
	_, err = note.Open(forgedSize, verifiers)
	check(err != nil, "checkpoint/forged-size", "the note with its size changed is rejected (err=%v)", err)
	sigAt := bytes.Index(msg, []byte("\n\u2014 "+verifier.Name()+" ")) + len("\n\u2014 "+verifier.Name()+" ") + 10
	_, err = note.Open(withCharChanged(msg, sigAt), verifiers)
	check(err != nil, "checkpoint/forged-signature", "the note with its signature changed is rejected (err=%v)", err)
	return cp
}

// checkTiles rebuilds the root from the C2SP hash tiles, each authenticated by tlog.TileHashReader.
func checkTiles(cp checkpoint) tlog.HashReader {
	tiles := tlog.TileHashReader(cp.tree, newHTTPTiles())
	root, err := tlog.TreeHash(cp.tree.N, tiles)
	must(err == nil && root == cp.tree.Hash, "tiles/root", "tlog.TreeHash over TileHashReader of the C2SP tiles is the checkpoint's root (err=%v)", err)
	return tiles
}

// checkEntries reads every entry bundle, rebuilds the tree from the entries alone and compares
// it with the tiles and the JSON API; it returns the entries.
func checkEntries(cp checkpoint) [][]byte {
	N := cp.tree.N
	var entries [][]byte
	for n := int64(0); n*256 < N; n++ {
		t := tlog.Tile{H: tileHeight, L: -1, N: n, W: int(min(N-n*256, 256))}
		status, body := get("/log/" + c2spTilePath(t))
		bundle, err := parseEntryBundle(body)
		must(status == http.StatusOK && err == nil && len(bundle) == t.W, "entries/bundles",
			"%s: HTTP %d, %d uint16-length-prefixed entries, want %d (err=%v)", c2spTilePath(t), status, len(bundle), t.W, err)
		entries = append(entries, bundle...)
	}

	var stored []tlog.Hash
	memory := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d is not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	leafTiles := map[int64][]byte{}
	tileLeaves, apiLeaves := 0, 0
	for i, e := range entries {
		hashes, err := tlog.StoredHashes(int64(i), e, memory)
		stopOnError(err, "entries/stored-hashes", "tlog.StoredHashes(%d)", i)
		stored = append(stored, hashes...)
		leaf := tlog.RecordHash(e) // RFC 6962 leaf hash: SHA-256(0x00 || entry)
		n := int64(i) / 256
		t := tlog.Tile{H: tileHeight, L: 0, N: n, W: int(min(N-n*256, 256))}
		if leafTiles[t.N] == nil {
			_, leafTiles[t.N] = get("/log/" + c2spTilePath(t))
		}
		if h, err := tlog.HashFromTile(t, leafTiles[t.N], tlog.StoredHashIndex(0, int64(i))); err == nil && h == leaf {
			tileLeaves++
		}
		var ej entryJSON
		if getJSON(fmt.Sprintf("/api/v1/log/entries/%d", i), &ej) && ej.LeafHash == base64.StdEncoding.EncodeToString(leaf[:]) {
			apiLeaves++
		}
	}
	check(tileLeaves == len(entries), "entries/tile-leaves", "tlog.RecordHash of each bundled entry is its hash in the level-0 tile: %d/%d", tileLeaves, len(entries))
	check(apiLeaves == len(entries), "entries/api-leaves", "and its leaf_hash in /api/v1/log/entries/{i}: %d/%d", apiLeaves, len(entries))
	root, err := tlog.TreeHash(N, memory)
	check(err == nil && root == cp.tree.Hash, "entries/root", "the root rebuilt from the entry bundles alone (tlog.StoredHashes) is the checkpoint's (err=%v)", err)

	// Every tile the tree publishes (in x/mod 0.7.0, NewTiles lists every partial width) must be
	// what the entries imply.
	all := tlog.NewTiles(tileHeight, 0, N)
	same := 0
	for _, t := range all {
		want, err := tlog.ReadTileData(t, memory)
		status, body := get("/log/" + c2spTilePath(t))
		if err == nil && status == http.StatusOK && bytes.Equal(body, want) {
			same++
		}
	}
	check(same == len(all), "tiles/all", "every tile of tlog.NewTiles(8, 0, %d) is served and holds the entries' hashes: %d/%d", N, same, len(all))
	return entries
}

func checkInclusion(cp checkpoint, tiles tlog.HashReader, entries [][]byte, verifiers note.Verifiers) {
	N, root := cp.tree.N, cp.tree.Hash
	goProofs, sameProofs, registryProofs, proofCheckpoints, byLeafHash := 0, 0, 0, 0, 0
	for i := int64(0); i < N; i++ {
		leaf := tlog.RecordHash(entries[i])
		proof, err := tlog.ProveRecord(N, i, tiles)
		if err == nil && tlog.CheckRecord(proof, N, root, i, leaf) == nil {
			goProofs++
		}
		var ij inclusionJSON
		if getJSON(fmt.Sprintf("/api/v1/log/inclusion?index=%d&size=%d", i, N), &ij) {
			served, err := decodeHashes(ij.Proof)
			if err == nil && equalHashes(served, proof) {
				sameProofs++
			}
			if err == nil && ij.TreeSize == N && tlog.CheckRecord(served, N, root, i, leaf) == nil {
				registryProofs++
			}
			if ij.Checkpoint != nil {
				if c, err := openCheckpoint([]byte(*ij.Checkpoint), verifiers); err == nil && c.tree == cp.tree {
					proofCheckpoints++
				}
			}
		}
		var ih inclusionJSON
		if getJSON("/api/v1/log/inclusion?leaf_hash="+hex.EncodeToString(leaf[:]), &ih) && ih.Index == i {
			byLeafHash++
		}
	}
	check(goProofs == int(N), "inclusion/go", "tlog.ProveRecord from the tiles + tlog.CheckRecord: %d/%d entries", goProofs, N)
	check(sameProofs == int(N), "inclusion/registry-same", "/api/v1/log/inclusion's proof is Go's: %d/%d", sameProofs, N)
	check(registryProofs == int(N), "inclusion/registry-checks", "/api/v1/log/inclusion's proof passes tlog.CheckRecord: %d/%d", registryProofs, N)
	check(proofCheckpoints == int(N), "inclusion/checkpoint", "the proof's checkpoint verifies and is the newest: %d/%d", proofCheckpoints, N)
	check(byLeafHash == int(N), "inclusion/by-leaf-hash", "?leaf_hash= finds the entry's index: %d/%d", byLeafHash, N)
	if N > 1 {
		proof, err := tlog.ProveRecord(N, 0, tiles)
		check(err == nil && tlog.CheckRecord(proof, N, root, 0, tlog.RecordHash(entries[1])) != nil, "inclusion/wrong-leaf",
			"entry 1's leaf hash does not prove at index 0")
	}
}

// checkConsistency proves every older size consistent with the newest, as Go computes it from
// the tiles and as the registry serves it; a client holding a signed older checkpoint must also
// be able to rebuild its root from the partial tiles of its own size.
func checkConsistency(cp checkpoint, tiles tlog.HashReader, verifiers note.Verifiers) {
	N, root := cp.tree.N, cp.tree.Hash
	goProofs, sameProofs, registryProofs, signed, signedOK := 0, 0, 0, 0, 0
	for s := int64(1); s < N; s++ {
		old := tlog.Tree{N: s}
		var head consistencyJSON // old=s&new=s: an empty proof and the checkpoint of size s, if signed
		if getJSON(fmt.Sprintf("/api/v1/log/consistency?old=%d&new=%d", s, s), &head) && head.Checkpoint != nil {
			signed++
			c, err := openCheckpoint([]byte(*head.Checkpoint), verifiers)
			own, terr := tlog.TreeHash(s, tlog.TileHashReader(c.tree, newHTTPTiles()))
			if err == nil && c.tree.N == s && terr == nil && own == c.tree.Hash {
				signedOK++
			}
			old = c.tree
		} else {
			old.Hash, _ = tlog.TreeHash(s, tiles)
		}
		proof, err := tlog.ProveTree(N, s, tiles)
		if err == nil && tlog.CheckTree(proof, N, root, s, old.Hash) == nil {
			goProofs++
		}
		var cj consistencyJSON
		if getJSON(fmt.Sprintf("/api/v1/log/consistency?old=%d&new=%d", s, N), &cj) {
			served, err := decodeHashes(cj.Proof)
			if err == nil && equalHashes(served, proof) {
				sameProofs++
			}
			if err == nil && tlog.CheckTree(served, N, root, s, old.Hash) == nil {
				registryProofs++
			}
		}
	}
	check(goProofs == int(N-1), "consistency/go", "tlog.ProveTree from the tiles + tlog.CheckTree, every older size: %d/%d", goProofs, N-1)
	check(sameProofs == int(N-1), "consistency/registry-same", "/api/v1/log/consistency's proof is Go's: %d/%d", sameProofs, N-1)
	check(registryProofs == int(N-1), "consistency/registry-checks", "/api/v1/log/consistency's proof passes tlog.CheckTree: %d/%d", registryProofs, N-1)
	check(signedOK == signed, "consistency/signed-older", "each signed older checkpoint verifies and its own partial tiles rebuild its root: %d/%d", signedOK, signed)
}

// checkBehind is a client that saved an older checkpoint: the newest must extend it.
func checkBehind(path string, cp checkpoint, tiles tlog.HashReader, verifiers note.Verifiers) {
	N, root := cp.tree.N, cp.tree.Hash
	msg, err := os.ReadFile(path)
	stopOnError(err, "behind/read", "reading the saved checkpoint %s", path)
	old, err := openCheckpoint(msg, verifiers)
	if !check(err == nil, "behind/opens", "note.Open verifies the saved checkpoint with the log key (err=%v)", err) {
		return
	}
	fmt.Printf("     (saved: size %d root %s; newest: size %d root %s)\n", old.tree.N, old.tree.Hash, N, root)
	check(old.origin == cp.origin, "behind/origin", "the saved checkpoint is of the same log (%q)", old.origin)
	if !check(old.tree.N <= N, "behind/size", "the saved size %d is at most the newest %d", old.tree.N, N) {
		return
	}
	proof, err := tlog.ProveTree(N, old.tree.N, tiles)
	check(err == nil && tlog.CheckTree(proof, N, root, old.tree.N, old.tree.Hash) == nil, "behind/go",
		"tlog.ProveTree from the newest tiles + tlog.CheckTree: the newest extends the saved tree (err=%v)", err)
	var cj consistencyJSON
	served := []tlog.Hash{}
	if getJSON(fmt.Sprintf("/api/v1/log/consistency?old=%d", old.tree.N), &cj) {
		served, err = decodeHashes(cj.Proof)
	}
	check(err == nil && cj.NewSize == N && tlog.CheckTree(served, N, root, old.tree.N, old.tree.Hash) == nil, "behind/registry",
		"/api/v1/log/consistency?old=%d's proof (%d hashes) passes tlog.CheckTree", old.tree.N, len(served))
	check(equalHashes(served, proof), "behind/registry-same", "and is Go's proof")
	if 0 < old.tree.N && old.tree.N < N {
		forged := old.tree.Hash
		forged[0] ^= 1
		check(tlog.CheckTree(proof, N, root, old.tree.N, forged) != nil, "behind/forged-root", "the proof does not fit a forged saved root")
	}
	own, err := tlog.TreeHash(old.tree.N, tlog.TileHashReader(old.tree, newHTTPTiles()))
	check(err == nil && own == old.tree.Hash, "behind/own-tiles",
		"the partial tiles of the saved size are still served and rebuild its root (err=%v)", err)
}

func min(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func main() {
	flag.Parse()
	if *baseURL == "" {
		fmt.Fprintln(os.Stderr, "usage: go-tlog -url REGISTRY [-key VKEY] [-old SAVED_CHECKPOINT]")
		os.Exit(2)
	}
	*baseURL = strings.TrimSuffix(*baseURL, "/")
	verifier := checkKey()
	verifiers := note.VerifierList(verifier)
	cp := checkCheckpoint(verifier)
	tiles := checkTiles(cp)
	entries := checkEntries(cp)
	checkInclusion(cp, tiles, entries, verifiers)
	checkConsistency(cp, tiles, verifiers)
	if *oldNote != "" {
		checkBehind(*oldNote, cp, tiles, verifiers)
	}
	fmt.Printf("%d failures\n", failures)
	if failures > 0 {
		os.Exit(1)
	}
}
