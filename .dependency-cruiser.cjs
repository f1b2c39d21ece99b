/**
 * The layer rule (README "Architecture"): a folder under src/ imports only folders in lower
 * layers, or its own. Type-only imports count: a type is a dependency too. The composition root
 * (src/*.ts: app.module, app.factory, app.config, main, schema) sits above every layer.
 *
 * Checked by `npm run lint:layers` in .ci/run.
 */
const LAYERS = [
  ['core'],
  ['access'],
  ['users'],
  ['events'],
  ['rate-limit'],
  ['auth', 'organizations'],
  ['api-keys', 'oauth'],
  ['audit', 'webhooks', 'health'],
  ['admin', 'verification', 'account'],
];

const folder = (name) => `^src/${name}/`;
const below = (index) => LAYERS.slice(0, index).flat();

/** For each layer: its folders may import nothing outside their own folder and the layers below. */
const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((name) => ({
    name: `layer-${name}`,
    comment: `src/${name}/ may import only ${below(index).length ? below(index).join(', ') : 'nothing of src/'} (and itself)`,
    severity: 'error',
    from: { path: folder(name), pathNot: '\\.spec\\.ts$' },
    to: {
      path: '^src/',
      pathNot: [folder(name), ...below(index).map(folder)],
    },
  })),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-unknown-folder',
      comment: 'Every folder under src/ belongs to a layer: add a new one to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.flat().join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'No import cycles between files',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-tests',
      comment: 'Product code never imports test code',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '(^test/|\\.spec\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^dist/|node_modules)' },
  },
};
