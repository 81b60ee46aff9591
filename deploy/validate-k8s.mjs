#!/usr/bin/env node
/**
 * Validate Kubernetes manifests against the Kubernetes OpenAPI schema, with the validators kubernetes-models
 * (npm) generates from it: types, required fields, enums and formats of every object down the tree.
 * Like the API server's default (non-strict) decoding, unknown fields are not rejected here; deploy.test.ts
 * checks the fields it relies on by name.
 *
 *   node deploy/validate-k8s.mjs FILE...    exit 0 valid; 1 invalid (one line per problem); 2 unreadable
 */
import fs from 'fs';
import { parseAllDocuments } from 'yaml';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';

const KINDS = { 'apps/v1 DaemonSet': DaemonSet };
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
    const Model = KINDS[`${o?.apiVersion} ${o?.kind}`];
    if (!Model) {
      console.log(`${file} #${i + 1}: no schema for ${o?.apiVersion} ${o?.kind}`);
      bad++;
      continue;
    }
    try {
      new Model(o).validate();
      console.log(`${file} #${i + 1}: ${o.kind} ${o.metadata?.name}: valid`);
    } catch (e) {
      console.log(`${file} #${i + 1}: ${e.message.split('\n')[0]}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
