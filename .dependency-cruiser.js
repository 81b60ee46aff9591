/**
 * The layer rules of whydied, checked by `npm test` (test/architecture/layers.test.ts runs
 * `depcruise`). Bottom to top: util -> source -> model -> engine -> checks | render -> observe ->
 * watch | record | launch | run | scan | explain (siblings) -> api (the default wiring, shared by
 * the CLI and the library) -> cli (the composition root) and src/index.ts (the library API).
 * A folder imports its own layer and the layers below it; nothing imports the CLI; the pure
 * layers never touch the operating system. See docs/DEVELOPING.md.
 */
const OS_MODULES = '^(node:)?(fs|fs/promises|child_process|net|tty|dgram|worker_threads|cluster)$';

/** Each layer and the folders above it, which it must never import. */
const LAYERS = [
  {
    name: 'util',
    path: '^src/util/',
    above:
      '^(src/(source|model|engine|render|observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
  {
    name: 'source',
    path: '^src/source/',
    above:
      '^(src/(model|engine|render|observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
  {
    name: 'model',
    path: '^src/model/',
    above: '^(src/(engine|render|observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
  {
    name: 'engine',
    path: '^src/engine/',
    above: '^(src/(render|observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
  {
    name: 'checks',
    path: '^checks/',
    above: '^(src/(render|observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|src/index\\.ts$)',
  },
  {
    name: 'render',
    path: '^src/render/',
    above: '^(src/(observe|fleet|watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
  {
    name: 'observe',
    path: '^src/(observe|fleet)/',
    above: '^(src/(watch|record|launch|run|scan|explain|api|cli)/|checks/|src/index\\.ts$)',
  },
];

/** Observers and the other commands' bodies are siblings: none imports another, nor the wiring above them. */
const SIBLINGS = ['watch', 'record', 'launch', 'run', 'scan', 'explain'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one: merge them or move the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.map((l) => ({
      name: `${l.name}-imports-above`,
      comment: `${l.name} must not import a layer above it.`,
      severity: 'error',
      from: { path: l.path },
      to: { path: l.above },
    })),
    ...SIBLINGS.map((s) => ({
      name: `${s}-imports-a-sibling`,
      comment: `src/${s} must not import its siblings; move what they share down to src/observe.`,
      severity: 'error',
      from: { path: `^src/${s}/` },
      to: { path: `^src/(${[...SIBLINGS.filter((x) => x !== s), 'api'].join('|')})/` },
    })),
    {
      name: 'nothing-imports-the-cli',
      comment: 'src/cli is the composition root: it imports everything, nothing imports it.',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-os-in-pure-layers',
      comment:
        'The pure layers (util, model, engine, checks, render, scan, explain) never touch the OS: they read Facts. ' +
        "Reading /proc is src/source's alone (test/architecture/layers.test.ts checks the paths); the observers " +
        '(watch, record, launch, run, fleet) and the CLI may act on the host: spawn, trace, write their files.',
      severity: 'error',
      from: { path: '^(src/(util|model|engine|render|scan|explain)/|checks/)' },
      to: { dependencyTypes: ['core'], path: OS_MODULES },
    },
    {
      name: 'no-dead-modules',
      comment: 'A module that neither the CLI, the library API nor the check list reaches is dead: remove it.',
      severity: 'error',
      from: { path: '^(src/cli/main|src/index|checks/index)\\.ts$' },
      to: {
        path: '^(src|checks)/',
        pathNot: ['\\.d\\.ts$', '^(src/cli/main|src/index|checks/index)\\.ts$'],
        reachable: false,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', '^checks/', OS_MODULES],
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.d\\.ts$' },
  },
};
