import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphOutputType, plan, triage } from '../../../agents/manager.js';
import { openAgentRuntime, type AgentRuntime } from '../../../agents/runtime.js';
import { startOfflineModel, type OfflineModelServer } from '../../src/model-server/server.js';
import { planPaths } from '../../src/planning/plan-files.js';
import { instantiate, loadPattern, patternDirs } from '../../src/planning/patterns.js';
import { fence, tempDir } from '../helpers/temp.js';

// The manager agent (real @openai/agents Runner, structured output) against the offline model.

let model: OfflineModelServer;
let runtime: AgentRuntime;

beforeAll(async () => {
  model = await startOfflineModel();
  runtime = await openAgentRuntime({ access: { kind: 'offline', baseUrl: model.baseUrl } });
});
afterAll(async () => {
  await runtime.close();
  await model.close();
});

async function planRequest(description: string) {
  const project = tempDir();
  const paths = planPaths(project, description, undefined, project);
  if (!paths.ok) throw new Error(paths.error);
  const pattern = await loadPattern('feature', patternDirs(project));
  if (!pattern.ok) throw new Error(JSON.stringify(pattern.error));
  const filled = instantiate(pattern.value.data, { description, title: description, slug: paths.value.slug });
  return { description, pattern: { ...pattern.value, filled }, context: { paths: paths.value, description, header: ['test'], displayRoot: project, verify: [] } };
}

describe('manager: plan', () => {
  it('asks for the graph file format as structured output', () => {
    const type = graphOutputType();
    expect(type).toMatchObject({ type: 'json_schema', name: 'task_graph', strict: false, schema: { type: 'object', required: ['tasks'] } });
    expect(Object.keys(type.schema.properties)).toEqual(['version', 'name', 'description', 'settings', 'tasks']);
  });

  it('returns the checked graph of the pattern, with the name and checklist links set by the orchestrator', async () => {
    const result = await plan(runtime, await planRequest('Add a shout function'));
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.attempts).toBe(1);
    expect(result.value.graph.name).toBe('add-a-shout-function');
    expect(result.value.graph.tasks.map((t) => [t.id, t.role, t.checklist])).toEqual([
      ['implement', 'builder', 'tasks/tasks-add-a-shout-function.md#implement'],
      ['write-tests', 'builder', 'tasks/tasks-add-a-shout-function.md#write-tests'],
      ['test', 'tester', 'tasks/tasks-add-a-shout-function.md#test'],
      ['review', 'gate', 'tasks/tasks-add-a-shout-function.md#review'],
    ]);
    expect(result.value.yaml.startsWith('# test\nversion: 1\nname: add-a-shout-function\n')).toBe(true);
    expect(result.value.usage.total).toBeGreaterThan(0);
  });

  it('asks exactly twice when every answer is malformed, and returns the problems', async () => {
    const before = model.responses();
    const result = await plan(runtime, await planRequest(`Broken.\n\n${fence('offline-plan', 'malformed times 5')}`));
    expect(model.responses() - before).toBe(2);
    expect(result.ok ? undefined : result.error).toMatchObject({ reason: 'invalid-plan', attempts: 2 });
  });
});

describe('manager: triage', () => {
  it('answers the probable cause and the next step of a failure', async () => {
    const result = await triage(runtime, {
      runId: '2026-11-21T10-04-05Z-7f3a',
      taskId: 'test-greeter',
      role: 'tester',
      reason: 'merge-conflict',
      message: 'add-shout and add-farewell both changed src/index.js',
      logTail: 'line 1\n~~~\nline 3',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.probableCause).toBe(
      'Two of the dependencies of task "test-greeter" changed the same lines, so their results cannot be merged: add-shout and add-farewell both changed src/index.js',
    );
    expect(result.value.nextStep).toBe('Make one of the conflicting tasks depend on the other (or merge their branches by hand), then run the graph again.');
  });
});

describe('agent runtime with OpenAI', () => {
  it('uses CODEX_ORCHESTRATOR_AGENT_MODEL, else the run’s model', async () => {
    const a = await openAgentRuntime({ access: { kind: 'openai', model: 'gpt-5.5' }, env: { OPENAI_API_KEY: 'k' } });
    const b = await openAgentRuntime({ access: { kind: 'openai', model: 'gpt-5.5' }, env: { OPENAI_API_KEY: 'k', CODEX_ORCHESTRATOR_AGENT_MODEL: 'gpt-5.5-mini' } });
    expect([a.model, b.model]).toEqual(['gpt-5.5', 'gpt-5.5-mini']);
    expect(a.traceFile).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });
});
