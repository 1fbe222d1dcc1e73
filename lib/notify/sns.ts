import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { noticeSubject, noticeText, type Notice } from './notice.js';

/**
 * Publishes a notice to an SNS topic (docs/aws-facts.md §42.1): the one-message text as `Message`, a short ASCII
 * `Subject` for e-mail subscribers. @throws the SDK's error.
 */
export async function publishSns(client: SNSClient, topicArn: string, n: Notice): Promise<void> {
  await client.send(new PublishCommand({ TopicArn: topicArn, Subject: noticeSubject(n), Message: noticeText(n) }));
}
