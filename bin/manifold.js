#!/usr/bin/env node
// The CLI is compiled from src/cli.ts by `npm run build` (run by `npm install` through `prepare`).
import '../dist/cli.js';
