// Preloaded into a CLI process (NODE_OPTIONS=--import=<this file>) by R7: when the process exits,
// writes the CPU time it used ({user, system} in microseconds) to $CPU_USAGE_FILE. CPU time is
// the work the process did, whatever else the machine was running meanwhile.

import { writeFileSync } from 'node:fs';

const file = process.env['CPU_USAGE_FILE'];
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.cpuUsage())));
