import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_MAX_BYTES, SigningCertificates } from '../../daemon/sns-certificates.js';
import { SnsHandler } from '../../daemon/sns.js';
import type { JobRequest } from '../../daemon/actions.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { startSnsFixture, TEST_TOPIC, type SnsFixture } from '../helpers/sns.js';

let sns: SnsFixture;
beforeAll(async () => {
  sns = await startSnsFixture();
});
afterAll(async () => {
  await sns.close();
});

const ALARMS = {
  topics: [TEST_TOPIC],
  maxAge: 3600,
  actions: [{ alarm: 'dms-*-freeable-memory', run: 'memory-guard' as const }],
};

function handler(clock: ManualClock) {
  const submitted: JobRequest[] = [];
  const h = new SnsHandler({
    alarms: ALARMS,
    clock,
    log: silentLogger(),
    requests: () => [{ job: 'memory-guard' }],
    submit: (r) => {
      submitted.push(r);
      return 'started';
    },
    agent: sns.agent,
  });
  return { h, submitted };
}

describe('SNS signing certificates fetched by the project', () => {
  it('a certificate URL answering 503 once: that message is answered 503 (SNS retries), later messages still verify', async () => {
    const clock = new ManualClock(new Date());
    const { h, submitted } = handler(clock);
    sns.certFailures.push(503);
    const before = sns.certFetches;
    const firstMessage = sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now() });
    const first = await h.handle(JSON.stringify(firstMessage));
    expect(first.status).toBe(503);
    expect(first.message).toMatch(/signature not checked: signing certificate: HTTP 503 from https:\/\/sns\.us-east-1/);
    expect(submitted).toEqual([]);
    // The 503 was not cached: the next message fetches again and verifies; the one after uses the cache.
    for (let i = 0; i < 2; i++) {
      const ok = await h.handle(JSON.stringify(sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now() })));
      expect(ok.status).toBe(200);
    }
    expect(sns.certFetches - before).toBe(2);
    expect(submitted).toHaveLength(2);
    // SNS's retry of the first message (same MessageId) is accepted: a 503 never marks a message as seen.
    expect((await h.handle(JSON.stringify(firstMessage))).status).toBe(200);
    expect(submitted).toHaveLength(3);
  });

  it('accepts only HTTPS SNS hosts, status 200, a certificate under the size cap; fetches each URL once at a time', async () => {
    const certs = new SigningCertificates({ agent: sns.agent, maxConcurrent: 2 });
    for (const url of [
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      'https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem?x=1',
      'https://sns.us-east-1.amazonaws.com/../SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ])
      await expect(certs.get(url)).rejects.toThrow(/is not an Amazon SNS certificate/);
    expect(certs.fetches).toBe(0);

    sns.certBody = 'x'.repeat(CERT_MAX_BYTES + 1);
    await expect(certs.get(sns.certUrl)).rejects.toThrow(`larger than ${CERT_MAX_BYTES} bytes`);
    sns.certBody = 'not a certificate';
    await expect(certs.get(sns.certUrl)).rejects.toThrow(/is not an X\.509 certificate/);
    sns.certBody = undefined;
    sns.certFailures.push(302);
    await expect(certs.get(sns.certUrl)).rejects.toThrow(/HTTP 302/);

    // Ten messages naming the same URL at once: one fetch.
    const before = sns.certFetches;
    const pems = await Promise.all(Array.from({ length: 10 }, () => certs.get(sns.certUrl)));
    expect(new Set(pems).size).toBe(1);
    expect(sns.certFetches - before).toBe(1);
  });

  it('refuses more concurrent fetches than allowed instead of queueing them', async () => {
    const certs = new SigningCertificates({ agent: sns.agent, maxConcurrent: 1, timeoutMs: 5000 });
    const other = sns.certUrl.replace('0123456789abcdef0123456789abcdef', 'fedcba9876543210fedcba9876543210');
    const first = certs.get(sns.certUrl);
    await expect(certs.get(other)).rejects.toThrow(/too many signing-certificate fetches in progress/);
    await first;
  });
});
