#!/usr/bin/env node
// Read C2PA manifests with the independent TypeScript reader @trustnxt/c2pa-ts and print one JSON line
// per asset. Exit 0 when every asset validates, 1 when any asset fails a check that is ours, 2 on usage
// errors. See README.md for what is checked and what is a known limitation of the reader.
//
//   node read-manifests.mjs ASSET...
//
// An asset whose format c2pa-ts reads (JPEG, PNG, BMFF) is read from its embedded manifest store. An asset
// without one (an article's text) is validated against its sidecar: the same name with the extension
// `.c2pa`, as C2PA names sidecar manifests, e.g. `article.txt` + `article.c2pa`.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { BMFF, JPEG, PNG } from '@trustnxt/c2pa-ts/asset';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import { ManifestStore, ValidationResult } from '@trustnxt/c2pa-ts/manifest';
import * as pkijs from 'pkijs';

// the package exports no ./package.json: read it beside its entry point (dist/index.js)
const READER_VERSION = JSON.parse(await fs.readFile(
    new URL('../package.json', import.meta.resolve('@trustnxt/c2pa-ts')), 'utf8')).version;
// The allow-list below was established against this version only (docs/research/c2pa-ts-reader.md).
const ALLOW_LIST_VERSION = '0.9.4';

// ---- shims: each is off unless its limitation below was matched for the asset being read ----

const shimUse = { sigTst2: 0, mp4Brand: 0 };
const shimsOn = new Set();

// sigTst2 shim. C2PA 2.1 §10.3.2.5.4 stores a v2 timestamp (`sigTst2`) as the TimeStampResp's
// `timeStampToken` only (a CMS ContentInfo); c2pa-ts 0.9.4 parses every token as a whole TimeStampResp
// and throws. Where that parse fails and the bytes are a ContentInfo, wrap it in a granted TimeStampResp:
// what upstream's fix (f9b4f2c, v0.14.0) does. c2pa-ts then verifies the token (imprint, TSA signature).
const originalFromBER = pkijs.TimeStampResp.fromBER.bind(pkijs.TimeStampResp);
pkijs.TimeStampResp.fromBER = function fromBERAcceptingBareToken(raw) {
    try {
        return originalFromBER(raw);
    } catch (e) {
        if (!shimsOn.has('sigTst2')) throw e;
        const token = pkijs.ContentInfo.fromBER(raw); // throws again when it is not a token either
        shimUse.sigTst2 += 1;
        return new pkijs.TimeStampResp({
            status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
            timeStampToken: token,
        });
    }
};

// MP4 shim. c2pa-ts 0.9.4's BMFF class accepts only HEIC/HEIF brands; upstream added MP4 in PR #473
// (v0.12.0). BMFF parsing and the c2pa.hash.bmff.v3 check are the same for MP4, so the file's own major
// brand is admitted for as long as that one asset is read.
function withMp4Brand(brand, read) {
    if (!shimsOn.has('mp4Brand') || BMFF.canReadBrands.has(brand)) return read();
    BMFF.canReadBrands.add(brand);
    shimUse.mp4Brand += 1;
    return read().finally(() => BMFF.canReadBrands.delete(brand));
}

// ---- known reader limitations: a fixed allow-list; anything else that fails is reported as ours ----

const MP4_BRANDS = new Set(['isom', 'iso2', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'qt  ']);

const READER_LIMITATIONS = [
    {
        id: 'c2pa-ts-0.9.4-sigTst2',
        shim: 'sigTst2',
        reason: 'c2pa-ts 0.9.4 parses a v2 (sigTst2) RFC 3161 token as a whole TimeStampResp, but C2PA 2.1 '
            + '§10.3.2.5.4 stores only its timeStampToken, so it throws "Failed to deserialize signature content"',
        fixed_in: '0.14.0',
        upstream: 'https://github.com/TrustNXT/c2pa-ts/commit/f9b4f2c (Fix sigTst2 handling)',
        // the whole store is refused with exactly this one error, from ManifestStore.read
        matches: (read) => read.phase === 'read'
            && read.failures.length === 1
            && read.failures[0].code === 'signingCredential.invalid'
            && read.failures[0].explanation === 'Failed to deserialize signature content',
    },
    {
        id: 'c2pa-ts-0.9.4-no-mp4',
        shim: 'mp4Brand',
        reason: 'c2pa-ts 0.9.4 opens only HEIC/HEIF (BMFF brands heic, mif1), not MP4',
        fixed_in: '0.12.0',
        upstream: 'https://github.com/TrustNXT/c2pa-ts/pull/473 (Add MP4 Video File Support)',
        matches: (read) => read.format === null && read.brands.some((b) => MP4_BRANDS.has(b)),
    },
];

// ---- reading ----

/** An asset whose manifest is a sidecar: c2pa.hash.data is checked over all of its bytes. */
class DetachedAsset {
    mimeType = 'application/octet-stream';
    constructor(data) {
        this.data = data;
    }
    getDataLength() {
        return this.data.length;
    }
    async getDataRange(start = 0, length = this.data.length - start) {
        return this.data.subarray(start, start + length);
    }
    getManifestJUMBF() {
        return undefined;
    }
    dumpInfo() {
        return `detached asset, ${this.data.length} bytes`;
    }
    getHashExclusionRange() {
        return { start: 0, length: 0 };
    }
    async ensureManifestSpace() {
        throw new Error('read-only');
    }
    async writeManifestJUMBF() {
        throw new Error('read-only');
    }
}

/** The ftyp box's major and compatible brands (an ISO BMFF file starts with it), else []. */
function ftypBrands(buf) {
    if (buf.length < 16 || buf.toString('latin1', 4, 8) !== 'ftyp') return [];
    const size = Math.min(buf.readUInt32BE(0), buf.length);
    const brands = [buf.toString('latin1', 8, 12)];
    for (let at = 16; at + 4 <= size; at += 4) brands.push(buf.toString('latin1', at, at + 4));
    return brands;
}

function openAsset(buf) {
    for (const [name, type] of [['jpeg', JPEG], ['png', PNG], ['bmff', BMFF]]) {
        if (type.canRead(buf)) return { format: name, asset: new type(buf) };
    }
    return { format: null, asset: null };
}

function sidecarOf(file) {
    const ext = path.extname(file);
    return ext === '.c2pa' ? null : file.slice(0, file.length - ext.length) + '.c2pa';
}

async function readIfExists(file) {
    try {
        return await fs.readFile(file);
    } catch (e) {
        if (e.code === 'ENOENT') return null;
        throw e;
    }
}

/** One read of `file` with the shims now on: format, store, labels and the validation result. */
async function readOnce(file, buf) {
    const brands = ftypBrands(buf);
    const attempt = async () => {
        const out = { format: null, brands, manifest_source: 'none', phase: 'open', store: null, result: null };
        let { format, asset } = openAsset(buf);
        out.format = format;
        let jumbf = asset?.getManifestJUMBF();
        if (jumbf) {
            out.manifest_source = 'embedded';
        } else {
            const sidecar = sidecarOf(file) && (await readIfExists(sidecarOf(file)));
            if (sidecar) {
                out.manifest_source = 'sidecar';
                jumbf = sidecar;
                if (!asset) {
                    out.format = 'detached';
                    asset = new DetachedAsset(buf);
                }
            }
        }
        if (!jumbf) return out;
        try {
            out.phase = 'read';
            out.store = ManifestStore.read(SuperBox.fromBuffer(jumbf));
            out.phase = 'validate';
            out.result = await out.store.validate(asset);
        } catch (e) {
            out.result = ValidationResult.fromError(e);
            out.error = `${e.name}: ${e.message}`;
        }
        return out;
    };
    const read = await withMp4Brand(brands[0], attempt);
    read.failures = (read.result?.statusEntries ?? []).filter((s) => s.success === false);
    return read;
}

/** Read `file`; while it fails in a way the allow-list names, switch that limitation's shim on and retry. */
async function check(file) {
    const buf = await fs.readFile(file);
    const matched = [];
    shimsOn.clear();
    for (const key of Object.keys(shimUse)) shimUse[key] = 0;
    let read = await readOnce(file, buf);
    for (;;) {
        if (read.result?.isValid) break;
        const next = READER_VERSION === ALLOW_LIST_VERSION
            && READER_LIMITATIONS.find((l) => !shimsOn.has(l.shim) && l.matches(read));
        if (!next) break;
        matched.push({ limitation: next, symptom: read.failures.map((f) => f.code).join(', ') || 'no asset type' });
        shimsOn.add(next.shim);
        read = await readOnce(file, buf);
    }
    shimsOn.clear();
    return report(file, read, matched);
}

function report(file, read, matched) {
    const active = read.store?.getActiveManifest();
    const statuses = read.result?.statusEntries ?? [];
    // a limitation whose shim never fired did not explain the failure: then it is not a reader limitation
    const limitations = matched.map(({ limitation, symptom }) => ({
        id: limitation.id,
        reason: limitation.reason,
        fixed_in: limitation.fixed_in,
        upstream: limitation.upstream,
        symptom_as_shipped: symptom,
        shim_applied: shimUse[limitation.shim] > 0,
    }));
    const problems = [];
    if (!read.store) problems.push(read.format === null && read.manifest_source === 'none'
        ? 'no asset type of c2pa-ts reads this file and it has no sidecar' : 'no manifest store found');
    for (const f of read.failures) problems.push(`${f.code}${f.explanation ? `: ${f.explanation}` : ''}`);
    if (read.store && !read.result?.isValid && !read.failures.length) problems.push('not valid');
    for (const l of limitations) if (!l.shim_applied) problems.push(`limitation ${l.id} matched but its shim never ran`);
    return {
        file,
        reader: `@trustnxt/c2pa-ts@${READER_VERSION}`,
        format: read.format,
        manifest_source: read.manifest_source,
        manifest_store: Boolean(read.store),
        active_manifest: active?.label ?? null,
        manifests: read.store?.manifests.map((m) => m.label) ?? [],
        claim: active?.claim?.label ?? null,
        valid: Boolean(read.result?.isValid),
        status_codes: statuses.map((s) => s.code),
        failures: read.failures.map((f) => ({ code: f.code, url: f.url ?? null, explanation: f.explanation ?? null })),
        assertions: active?.assertions?.assertions.map((a) => a.fullLabel) ?? [],
        // c2pa-ts applies its action rules only to a v2 claim's created_assertions (the rest are gathered)
        created_assertions: active?.claim?.assertions.map((ref) => ref.uri.split('/').pop()) ?? [],
        assertion_classes: Object.fromEntries(active?.assertions?.assertions.map(
            (a) => [a.fullLabel, a.constructor.name.replace(/^_/, '')]) ?? []), // the bundler prefixes some
        reader_limitations: limitations,
        error: read.error ?? null,
        ok: problems.length === 0,
        problems,
    };
}

async function main(files) {
    if (!files.length || files.some((f) => f.startsWith('-'))) {
        console.error('usage: node read-manifests.mjs ASSET...   (an asset without an embedded manifest is read '
            + 'with its sidecar, the same name with .c2pa)');
        return 2;
    }
    if (READER_VERSION !== ALLOW_LIST_VERSION) {
        console.error(`c2pa-ts ${READER_VERSION} is installed, the allow-list is for ${ALLOW_LIST_VERSION}: `
            + 'no reader limitation is allowed until it is re-checked');
    }
    let failed = 0;
    for (const file of files) {
        const line = await check(file);
        if (!line.ok) failed += 1;
        console.log(JSON.stringify(line));
    }
    return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
