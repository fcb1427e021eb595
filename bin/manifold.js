#!/usr/bin/env node
// The CLI is compiled from src/cli.ts by `npm run build` (run by `npm install` through `prepare`).
// V8's default young generation: since decoding moved to worker threads, --max-semi-space-size=64 (once 37-42%
// less CPU per item) measured no better or worse in the last two full benchmark runs (bench/RESULTS.md, variant rows).
// The old generation's growth is limited by `manifold start` itself (src/util/heap-growth.ts, --heap-growing-percent=100),
// not here, so that the benchmarks, which start src/cli.ts, measure the same process.
import '../dist/cli.js';
