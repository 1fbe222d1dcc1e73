import type { Notice } from './notice.js';
import { noticeText } from './notice.js';

/**
 * A Slack-compatible incoming webhook: `POST` of `{"text": …}` as JSON (also accepted by Mattermost, Rocket.Chat and
 * Microsoft Teams workflows that read `text`), plus the notice's fields for receivers that want them.
 * @throws Error on a non-2xx answer, a network error or the timeout (never with the URL: it carries the key).
 */
export async function postWebhook(url: string, n: Notice, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: noticeText(n), notice: n }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new Error(
      `webhook: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'request failed'}`,
    );
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook: HTTP ${res.status}`);
}
