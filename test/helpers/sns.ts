import { createSign, randomUUID } from 'node:crypto';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';

/**
 * A stand-in for Amazon SNS's signing side, for tests: a key pair and certificate generated here,
 * the certificate served by a local HTTPS server under the name SNS uses
 * (`sns.us-east-1.amazonaws.com/SimpleNotificationService-<32 hex>.pem`, with a TLS certificate
 * for that host name), and an HTTPS agent that routes that host to the local server and trusts
 * the test TLS certificate. Messages are signed as SNS documents it (SignatureVersion 2,
 * SHA256withRSA over the documented fields in their order): Amazon SNS developer guide,
 * "Verifying the signatures of Amazon SNS messages".
 */

export const TEST_TOPIC = 'arn:aws:sns:us-east-1:123456789012:dms-alarms';
export const SNS_HOST = 'sns.us-east-1.amazonaws.com';
const CERT_PATH = '/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

export interface SnsFixture {
  agent: Agent;
  certUrl: string;
  /** SubscribeURL visits received by the local server. */
  confirmations: string[];
  /** Certificate downloads received. */
  certFetches: number;
  /** Statuses the next certificate downloads answer instead of the certificate (503 once: `[503]`). */
  certFailures: number[];
  /** A body the next certificate downloads answer with 200 instead of the certificate (a size or format test). */
  certBody: string | undefined;
  /** A signed message (override any field; `key: 'forged'` signs with a key SNS does not have). */
  sign(fields: Partial<SnsMessage> & { Type?: SnsMessage['Type'] }, o?: { key?: 'sns' | 'forged' }): SnsMessage;
  /** A signed CloudWatch alarm notification. */
  alarm(
    alarmName: string,
    o?: { state?: string; topic?: string; timestamp?: Date; messageId?: string; key?: 'sns' | 'forged' },
  ): SnsMessage;
  close(): Promise<void>;
}

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  SubscribeURL?: string;
  Token?: string;
  UnsubscribeURL?: string;
}

const FIELDS: Record<SnsMessage['Type'], (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

export async function startSnsFixture(): Promise<SnsFixture> {
  const signing = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const forged = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const tls = await generate([{ name: 'commonName', value: SNS_HOST }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: SNS_HOST }] }],
  });
  const fixture = {
    confirmations: [] as string[],
    certFetches: 0,
    certFailures: [] as number[],
    certBody: undefined as string | undefined,
  };
  const server: Server = createServer({ key: tls.private, cert: tls.cert }, (req, res) => {
    if (req.url === CERT_PATH) {
      fixture.certFetches++;
      const failure = fixture.certFailures.shift();
      if (failure !== undefined) res.writeHead(failure, { 'content-type': 'text/plain' }).end('Service Unavailable');
      else res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(fixture.certBody ?? signing.cert);
    } else if (req.url?.startsWith('/?Action=ConfirmSubscription')) {
      fixture.confirmations.push(req.url);
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ ca: tls.cert, keepAlive: false });
  // Every connection for the SNS host goes to the local server; TLS still verifies the host name.
  (
    agent as unknown as { createConnection: (o: { servername?: string; host?: string }, cb?: unknown) => unknown }
  ).createConnection = (o) =>
    connect({ host: '127.0.0.1', port, servername: o.servername ?? o.host ?? SNS_HOST, ca: tls.cert });

  const certUrl = `https://${SNS_HOST}${CERT_PATH}`;
  const sign: SnsFixture['sign'] = (fields, o = {}) => {
    const msg: SnsMessage = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: TEST_TOPIC,
      Message: '',
      Timestamp: new Date().toISOString(),
      SignatureVersion: '2',
      Signature: '',
      SigningCertURL: certUrl,
      ...fields,
    };
    const signer = createSign('RSA-SHA256');
    for (const k of FIELDS[msg.Type]) if (msg[k] !== undefined) signer.update(`${k}\n${msg[k]}\n`);
    msg.Signature = signer.sign(o.key === 'forged' ? forged.private : signing.private, 'base64');
    return msg;
  };
  return Object.assign(fixture, {
    agent,
    certUrl,
    sign,
    alarm: (
      alarmName: string,
      o: { state?: string; topic?: string; timestamp?: Date; messageId?: string; key?: 'sns' | 'forged' } = {},
    ) =>
      sign(
        {
          Subject: `ALARM: "${alarmName}" in US East (N. Virginia)`,
          Message: JSON.stringify({
            AlarmName: alarmName,
            AWSAccountId: '123456789012',
            NewStateValue: o.state ?? 'ALARM',
            NewStateReason: 'Threshold Crossed: 1 datapoint [412.0] was greater than the threshold (300.0).',
            StateChangeTime: (o.timestamp ?? new Date()).toISOString().replace('Z', '+0000'),
            Region: 'US East (N. Virginia)',
            OldStateValue: 'OK',
            Trigger: {
              MetricName: 'CDCLatencyTarget',
              Namespace: 'AWS/DMS',
              Statistic: 'AVERAGE',
              Period: 60,
              EvaluationPeriods: 1,
              Threshold: 300,
            },
          }),
          ...(o.topic ? { TopicArn: o.topic } : {}),
          ...(o.timestamp ? { Timestamp: o.timestamp.toISOString() } : {}),
          ...(o.messageId ? { MessageId: o.messageId } : {}),
        },
        { key: o.key },
      ),
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
