// The official TypeScript SDK, pointed at anchor-fake through
// ANCHORBROWSER_BASE_URL, starts an async run and reads its result: the fake
// speaks the API the SDK expects. ANCHOR_FAKE_BIN names the built binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import Anchorbrowser from 'anchorbrowser';

const key = 'interop-test-key-0123456789';
const taskId = '550e8400-e29b-41d4-a716-446655440000';

async function startFake() {
  const bin = process.env.ANCHOR_FAKE_BIN;
  assert.ok(bin, 'set ANCHOR_FAKE_BIN to the anchor-fake binary');
  const proc = spawn(bin, ['--addr', '127.0.0.1:0', '--api-key', key, '--queued', '200ms', '--running', '500ms', '--output', 'interop ok'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  for await (const chunk of proc.stdout) {
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl >= 0) return { proc, url: buf.slice(0, nl).trim() };
  }
  throw new Error('anchor-fake exited before printing its URL');
}

test('the TypeScript SDK runs a task on anchor-fake and reads its result', async () => {
  const { proc, url } = await startFake();
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    process.env.ANCHORBROWSER_BASE_URL = url;
    process.env.ANCHORBROWSER_API_KEY = key;
    const client = new Anchorbrowser();

    const started = await client.task.run({ taskId, async: true, inputs: { ANCHOR_TARGET_URL: 'https://example.com' } });
    assert.equal(started.data.async, true);
    assert.equal(started.data.taskId, taskId);
    const execId = started.data.executionResultId;
    assert.match(execId, /^[0-9a-f-]{36}$/);

    let result;
    for (let i = 0; i < 100; i++) {
      result = await client.task.retrieveExecutionResult(execId, { taskId });
      if (!['queued', 'running'].includes(result.data.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(result.data.id, execId);
    assert.equal(result.data.status, 'success');
    assert.equal(result.data.output, 'interop ok');
    assert.equal(typeof result.data.executionTime, 'number');
    assert.ok(!Number.isNaN(Date.parse(result.data.startTime)));

    const wrong = new Anchorbrowser({ apiKey: 'not-the-key', maxRetries: 0 });
    await assert.rejects(wrong.task.retrieveExecutionResult(execId, { taskId }), (err) => err.status === 401);
    await assert.rejects(
      client.task.retrieveExecutionResult('00000000-0000-4000-8000-000000000000', { taskId }),
      (err) => err.status === 404,
    );
  } finally {
    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    assert.equal(code, 0, 'anchor-fake exits 0 on SIGTERM');
  }
});
