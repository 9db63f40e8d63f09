// Sends calls through the real Segment and RudderStack Node clients, exactly as a shop's
// backend would, then flushes and exits. Driven by collect's client compatibility test:
//   node send.mjs calls.json   (env STEWARD_HOST, STEWARD_WRITE_KEY)
// calls.json: [{"client": "segment" | "rudder", "type": "track" | "identify" | "page" | ..., "msg": {...}}]
import { readFileSync } from 'node:fs';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';

const host = process.env.STEWARD_HOST;
const writeKey = process.env.STEWARD_WRITE_KEY;
if (!host || !writeKey) {
  console.error('STEWARD_HOST and STEWARD_WRITE_KEY are required');
  process.exit(2);
}
const calls = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const segment = new SegmentAnalytics({ writeKey, host, path: '/v1/batch', flushAt: 7, flushInterval: 200, maxRetries: 5 });
const errors = [];
segment.on('error', (e) => errors.push(`segment: ${e.code || ''} ${e.reason || e.message || e}`));

// rudder-sdk-node gzips by default; keep it on, the server must accept it.
const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: host, flushAt: 5, flushInterval: 200, maxInternalQueueSize: 20000,
  errorHandler: (e) => errors.push(`rudder: ${e.message || e}`) });

for (const c of calls) {
  const client = c.client === 'rudder' ? rudder : segment;
  if (typeof client[c.type] !== 'function') {
    console.error(`unknown call type ${c.type}`);
    process.exit(2);
  }
  client[c.type](c.msg);
}

await segment.closeAndFlush({ timeout: 20000 });
await new Promise((resolve) => rudder.flush(() => resolve()));
// rudder's flush callback fires once the queue is handed over; give the last request time.
await new Promise((resolve) => setTimeout(resolve, 300));
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
console.log(`sent ${calls.length} calls`);
