/**
 * Developer tool: run the whole corpus, print agreement with keepalived's
 * verdicts and, for each disagreement, our first diagnostics beside
 * keepalived's first error. Usage: npm run build:lab && node build/tools/corpus-report.js [FILTER]
 */
import { corpusAvailable, loadVerdicts, runCorpusFile } from '../lab/corpus.js';
import { keepalivedText } from '../src/config/diagnostics.js';

if (!corpusAvailable()) {
  console.error('corpus not found (../shared/corpus)');
  process.exit(1);
}
const filter = process.argv[2];
const verdicts = loadVerdicts();
let agree = 0;
let total = 0;
const started = Date.now();
for (const v of verdicts) {
  if (filter && !v.file.includes(filter)) continue;
  total++;
  const t0 = Date.now();
  let got: number;
  let first = '';
  try {
    const r = runCorpusFile(v.file);
    got = r.exitCode;
    first = r.diagnostics.slice(0, 3).map(keepalivedText).join(' | ');
  } catch (e) {
    got = -1;
    first = `CRASH ${(e as Error).stack?.split('\n').slice(0, 3).join(' ')}`;
  }
  const ms = Date.now() - t0;
  if (got === v.exitCode) agree++;
  else console.log(`${v.file}\tkeepalived=${v.exitCode}\tours=${got}\t${ms}ms\n    ka: ${v.firstError}\n    us: ${first}`);
}
console.log(`agree ${agree}/${total} = ${((100 * agree) / total).toFixed(1)}% in ${Date.now() - started} ms`);
