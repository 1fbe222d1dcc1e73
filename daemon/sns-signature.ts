import { createVerify } from 'node:crypto';

/**
 * Checks an Amazon SNS message's signature against its signing certificate (docs/aws-facts.md §17.1, §17.2, §17.5):
 * the string to sign is `name\nvalue\n` for each signed field present, in byte order of the names; SignatureVersion
 * 1 is SHA1withRSA, 2 is SHA256withRSA; `Signature` is base64. Lambda records spell the URL fields `…Url`.
 */

const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The text SNS signed for `msg`. @throws Error for an unknown `Type`. */
export function stringToSign(msg: Record<string, unknown>): string {
  const fields = SIGNED_FIELDS[String(msg.Type)];
  if (!fields) throw new Error(`unknown Type ${JSON.stringify(msg.Type)}`);
  let text = '';
  for (const k of fields) {
    // Lambda spells SubscribeURL as SubscribeUrl; a Subject Lambda sets to null was not signed.
    const v = msg[k] ?? (k === 'SubscribeURL' ? msg.SubscribeUrl : undefined);
    // Every signed field is a string; anything else (absent, null) was not signed.
    if (typeof v !== 'string') continue;
    text += `${k}\n${v}\n`;
  }
  return text;
}

/**
 * True when `msg.Signature` verifies with the certificate `pem`.
 * @throws Error for a SignatureVersion other than "1" or "2" or an unknown `Type`.
 */
export function signatureValid(msg: Record<string, unknown>, pem: string): boolean {
  const algorithm = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' }[String(msg.SignatureVersion)];
  if (!algorithm) throw new Error(`SignatureVersion ${JSON.stringify(msg.SignatureVersion)} is not 1 or 2`);
  const verifier = createVerify(algorithm);
  verifier.update(stringToSign(msg), 'utf8');
  try {
    return typeof msg.Signature === 'string' && verifier.verify(pem, msg.Signature, 'base64');
  } catch {
    return false;
  }
}
