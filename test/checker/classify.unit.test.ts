import { describe, expect, it } from 'vitest';
import { classifyTask, type CheckMeasures } from '../../jobs/checker/classify.js';

const rules = { updateThreshold: 10, stallLatency: 600 };
const quiet: CheckMeasures = {
  taskStatus: 'running',
  rolledBackUpdates: 0,
  singleRowUpdates: 0,
  dmsStatements: 5,
  cdcLatencyTarget: 3,
};

describe('classifyTask: the checker verdict from what it measured', () => {
  it.each<[string, Partial<CheckMeasures>, Partial<typeof rules & { historyFactor: number }>, string]>([
    ['a quiet running task', {}, {}, 'ok'],
    ['a stopped task, whatever else', { taskStatus: 'stopped', rolledBackUpdates: 3 }, {}, 'not-running'],
    ['a failed task', { taskStatus: 'failed' }, {}, 'not-running'],
    ['a starting task is not yet running', { taskStatus: 'starting' }, {}, 'not-running'],
    ['one rolled-back DMS UPDATE', { rolledBackUpdates: 1 }, {}, 'one-by-one'],
    ['single-row UPDATEs at the threshold', { singleRowUpdates: 10 }, {}, 'ok'],
    ['single-row UPDATEs above the threshold', { singleRowUpdates: 11 }, {}, 'one-by-one'],
    [
      'above the threshold but not above factor × history',
      { singleRowUpdates: 50, historyMedian: 20 },
      { historyFactor: 3 },
      'ok',
    ],
    ['above factor × history', { singleRowUpdates: 61, historyMedian: 20 }, { historyFactor: 3 }, 'one-by-one'],
    ['history without a factor is ignored', { singleRowUpdates: 11, historyMedian: 100 }, {}, 'one-by-one'],
    [
      'a rollback wins over history',
      { rolledBackUpdates: 1, singleRowUpdates: 0, historyMedian: 100 },
      { historyFactor: 3 },
      'one-by-one',
    ],
    ['silent with latency at the stall limit', { dmsStatements: 0, cdcLatencyTarget: 600 }, {}, 'stalled'],
    ['silent with latency below the limit', { dmsStatements: 0, cdcLatencyTarget: 599 }, {}, 'ok'],
    ['silent without latency datapoints', { dmsStatements: 0, cdcLatencyTarget: null }, {}, 'ok'],
    ['busy with high latency is not stalled', { dmsStatements: 3, cdcLatencyTarget: 5000 }, {}, 'ok'],
  ])('%s → %s', (_name, m, r, expected) => {
    expect(classifyTask({ ...quiet, ...m }, { ...rules, ...r })).toBe(expected);
  });
});
