#!/usr/bin/env node
/**
 * Validate Kubernetes manifests against the Kubernetes OpenAPI schema, with the validators kubernetes-models
 * (npm) generates from it: types, required fields, enums and formats of every object down the tree.
 * Unknown fields are rejected too, as `kubectl apply` does by default since Kubernetes 1.27 (server-side field
 * validation "Strict"): the compiled validators accept any extra key, so each object is also type-checked by
 * TypeScript against the models' own interfaces (IDaemonSet …), whose excess-property check names a
 * misspelt field (`securityContxt`) at any depth. Checked in memory: nothing is written.
 *
 *   node deploy/validate-k8s.mjs FILE...    exit 0 valid; 1 invalid (one line per problem); 2 unreadable
 */
import fs from 'fs';
import { parseAllDocuments } from 'yaml';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';

const KINDS = { 'apps/v1 DaemonSet': { Model: DaemonSet, module: 'kubernetes-models/apps/v1/DaemonSet', type: 'IDaemonSet' } };
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Unknown fields of `o` as TypeScript's excess-property check sees them against the kind's interface. */
function unknownFields(o, kind) {
  let ts;
  try {
    ts = createRequire(import.meta.url)('typescript');
  } catch {
    return ['strict field check skipped: typescript is not installed'];
  }
  const file = path.join(HERE, '.k8s-strict-check.ts');
  const text = `import type { ${kind.type} } from '${kind.module}';\nexport const o: ${kind.type} = ${JSON.stringify(o, null, 1)};\n`;
  const options = { noEmit: true, strict: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const m = /'"?([^'"]+)"?' does not exist in type '([^']+)'/.exec(msg);
    return m ? `unknown field ${m[1]} (not in ${m[2].replace(/^I/, '')})` : msg;
  });
}
let bad = 0;
for (const file of process.argv.slice(2)) {
  let docs;
  try {
    docs = parseAllDocuments(fs.readFileSync(file, 'utf8'), { strict: true, uniqueKeys: true });
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  for (const [i, d] of docs.entries()) {
    if (d.errors.length) {
      console.log(`${file} #${i + 1}: ${d.errors[0].message.split('\n')[0]}`);
      bad++;
      continue;
    }
    const o = d.toJS();
    const kind = KINDS[`${o?.apiVersion} ${o?.kind}`];
    if (!kind) {
      console.log(`${file} #${i + 1}: no schema for ${o?.apiVersion} ${o?.kind}`);
      bad++;
      continue;
    }
    try {
      new kind.Model(o).validate();
      const unknown = unknownFields(o, kind);
      if (unknown.length) throw new Error(unknown.join('; '));
      console.log(`${file} #${i + 1}: ${o.kind} ${o.metadata?.name}: valid`);
    } catch (e) {
      console.log(`${file} #${i + 1}: ${e.message.split('\n')[0]}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
