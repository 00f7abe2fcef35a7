// SPDX-License-Identifier: GPL-2.0-only
/**
 * A fuzz worker thread: runs one lane (fuzzLane) with the options it is given and
 * posts progress and its report. Workers share nothing but their messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzLane, type LaneOptions } from './engine.ts';

if (parentPort) {
  const port = parentPort;
  const o = workerData as Omit<LaneOptions, 'onProgress'>;
  let lastPost = 0;
  try {
    const report = fuzzLane({
      ...o,
      onProgress: (ops) => {
        const now = Date.now();
        if (now - lastPost >= 200) {
          lastPost = now;
          port.postMessage({ type: 'progress', lane: o.lane, ops });
        }
      },
    });
    port.postMessage({ type: 'done', report });
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}
