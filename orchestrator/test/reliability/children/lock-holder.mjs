// R6's lock holder: takes a run's lock with the project's code (the built package), says so, and
// holds it (refreshing it) until it is killed.
import { acquireRunLock } from '../../../../dist/orchestrator/src/store/run-lock.js';

const [runDir] = process.argv.slice(2);
const lock = await acquireRunLock(runDir, 'run');
if (!lock.ok) {
  process.send({ type: 'error', message: JSON.stringify(lock.error) }, () => process.exit(1));
} else {
  process.send({ type: 'held' });
  setInterval(() => {}, 1000);
}
