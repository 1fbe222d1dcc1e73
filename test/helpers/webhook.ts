import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local Slack-compatible webhook receiver: records every JSON body POSTed; `failNext` answers those with a 5xx. */
export interface WebhookReceiver {
  url: string;
  received: { text: string; notice?: { kind: string; job: string; task?: string; table?: string; key: string } }[];
  failNext: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r = { received: [] as WebhookReceiver['received'], failNext: [] as number[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = r.failNext.shift();
      if (status !== undefined) {
        res.writeHead(status).end('failing on purpose');
        return;
      }
      r.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookReceiver['received'][number]);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/XXXX`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
