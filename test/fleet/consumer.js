// A JSON-lines consumer standing in for Vector/Fluent Bit's stdin source: reads lines, keeps those that parse
// as whydied.death/1 events, appends them to the file in argv[2] (as a file sink would), counts the rest.
const fs = require('fs');
const out = process.argv[2];
let buf = '';
let bad = 0;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    try {
      const e = JSON.parse(line);
      if (e.schema !== 'whydied.death/1') throw new Error('not a death');
      fs.appendFileSync(out, JSON.stringify(e) + '\n');
    } catch {
      bad++;
      fs.writeFileSync(out + '.bad', String(bad));
    }
  }
});
process.stdin.on('end', () => fs.writeFileSync(out + '.end', buf === '' ? 'clean' : 'partial line'));
