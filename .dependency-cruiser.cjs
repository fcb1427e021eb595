/**
 * What may import what in src/ (ARCHITECTURE.md explains each rule). Checked by `npm run lint:deps`, which
 * test/architecture.test.ts runs in the suite, so CI fails when a change breaks one.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles, type-only ones included: a folder must be readable without the one that uses it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'adapters-see-contract-and-model-only',
      comment:
        'An adapter folder knows one backend: it imports its own files, the adapter contract, the model, the config vocabulary (durations, sizes) and the shared utilities, never OTLP, the queue or the engine.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/adapters/$1/', '^src/adapters/contract\\.ts$', '^src/model/', '^src/config/zod-types\\.ts$', '^src/util/'],
      },
    },
    {
      name: 'adapters-not-from-each-other',
      comment: 'Adding a backend is a folder and a line in the registry: nothing else imports an adapter folder.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/adapters/', '^src/gateway\\.ts$'] },
      to: { path: '^src/adapters/[^/]+/' },
    },
    {
      name: 'model-depends-on-nothing',
      comment: 'The internal model is what receivers produce and adapters consume: it imports nothing of the gateway.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/model/' },
    },
    {
      name: 'pipeline-not-on-receivers',
      comment: 'Data walks receiver -> queue -> adapter and never comes back: the delivery engine and the queue do not import receivers.',
      severity: 'error',
      from: { path: '^src/(delivery|queue)/' },
      to: { path: '^src/receivers/' },
    },
    {
      name: 'queue-knows-no-adapter',
      comment: 'The queue stores opaque payloads for named backends; it knows no adapter and no delivery logic.',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { path: '^src/(adapters|delivery|receivers|otlp)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
