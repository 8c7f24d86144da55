/**
 * Developer tool: `-t` of keepalived and of keepalived-ts on the corpus sample (lab/config-text.ts), or the whole
 * corpus with --all; prints how many files give keepalived's words exactly and, for each other, the first line that
 * differs. Needs root, keepalived and `npm run build`.
 * Usage: npm run build:lab && node build/tools/config-text-report.js [--all] [FILTER]
 */
import { CORPUS_DIR, corpusAvailable, loadVerdicts } from '../lab/corpus.js';
import { compareConfigText, textSample } from '../lab/config-text.js';

if (!corpusAvailable()) {
  console.error(`corpus not found (${CORPUS_DIR})`);
  process.exit(1);
}
const all = process.argv.includes('--all');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));
const files = (all ? loadVerdicts() : textSample(loadVerdicts())).filter((v) => !filter || v.file.includes(filter)).map((v) => v.file);
const found = await compareConfigText(files);
for (const file of files) {
  const d = found.get(file);
  if (d) console.log(`${file}: line ${d.line}\n    ka: ${d.theirs ?? '(nothing)'}\n    us: ${d.ours ?? '(nothing)'}`);
}
console.log(`same words: ${files.filter((f) => !found.get(f)).length} of ${files.length}`);
