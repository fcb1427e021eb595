#!/usr/bin/env -S node --max-semi-space-size=64
// The CLI is compiled from src/cli.ts by `npm run build` (run by `npm install` through `prepare`).
// A 64 MB young generation: decoding OTLP allocates many short-lived objects, and the benchmark measured
// 37-42% less gateway CPU per item with it (bench/NOTES.md).
import '../dist/cli.js';
