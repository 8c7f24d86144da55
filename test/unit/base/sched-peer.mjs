// Runs as its own process for process-sched.test.ts (the calls change the calling process, so not the test
// runner's): applies what it is told through the compiled wrapper, as the daemon does, and prints as JSON what
// /proc then shows for every thread.
import { readdirSync, readFileSync } from 'node:fs';
import { hostProcessSched } from '../../../dist/src/base/process-sched.js';

const port = hostProcessSched();

/** /proc/self/stat's fields from the state on (field 3), so field n is at index n - 3. */
const statFields = (file) => {
  const text = readFileSync(file, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
};
const statusField = (file, name) => readFileSync(file, 'utf8').match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1];

function show() {
  const tasks = readdirSync('/proc/self/task');
  const self = statFields('/proc/self/stat');
  const rttime = readFileSync('/proc/self/limits', 'utf8').match(/^Max realtime timeout\s+(\S+)\s+(\S+)/m);
  return {
    threads: tasks.length,
    nice: [...new Set(tasks.map((t) => statFields(`/proc/self/task/${t}/stat`)[19 - 3]))],
    cpus: [...new Set(tasks.map((t) => statusField(`/proc/self/task/${t}/status`, 'Cpus_allowed_list')))],
    rtPriority: self[40 - 3],
    policy: self[41 - 3],
    rttime: rttime ? [rttime[1], rttime[2]] : undefined,
  };
}

const out = {};
port.setNice(7);
port.setAffinity([0]);
port.setRealtime(3);
port.setRlimitRttime(5000, 10000);
out.applied = show();
port.setRealtime(0);
port.setRlimitRttime(0, 0);
port.setNice(0);
out.reset = show();
try {
  port.setAffinity([1023]);
} catch (error) {
  out.error = { code: error.code, syscall: error.syscall, message: error.message };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
