import { createServer, type Server } from 'node:http';
import { closeServer, forward, listen, proxyTarget, readBody, sendError } from './http-util.js';
import { type JournaledMessage, queueNameOf, type SqsJournal } from './sqs-journal.js';
import { REGION } from './template.js';

/**
 * A thin proxy in front of fauxqs. fauxqs names its queues `http://sqs.<region>.localhost:<port>/<account>/<name>`
 * and looks them up by that exact URL, but `*.localhost` does not resolve in Node, and the SDK sends requests to the
 * QueueUrl's host unless the client has an explicit endpoint. Behind this front, queue URLs are
 * `http://127.0.0.1:<front>/<account>/<name>`: same origin as AWS_ENDPOINT_URL_SQS, so default clients just work.
 * With a journal (a durable stack), every accepted send is on disk before it is answered (sqs-journal.ts).
 */
export interface SqsFront {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSqsFront(
  fauxqsEndpoint: string,
  port = 0,
  journal?: SqsJournal,
): Promise<SqsFront> {
  const target = proxyTarget(fauxqsEndpoint);
  let outer = '';
  const innerOrigin = (region: string) => `http://sqs.${region}.localhost:${target.port}`;
  const innerPattern = new RegExp(`http://sqs\\.[a-z0-9-]+\\.localhost:${target.port}`, 'g');

  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      let rewritten = body;
      const json = body.length > 0 && String(req.headers['content-type']).includes('json');
      if (json) {
        const region =
          /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? REGION;
        const text = body.toString('utf8').split(outer).join(innerOrigin(region));
        rewritten = Buffer.from(text);
      }
      // fauxqs builds new queue URLs from the Host header's port: present its own.
      req.headers.host = `127.0.0.1:${target.port}`;
      const upstream = await forward(target, req, rewritten);
      const answer = (await readBody(upstream)).toString('utf8').replace(innerPattern, outer);
      if (journal && json && upstream.statusCode === 200)
        record(journal, String(req.headers['x-amz-target'] ?? ''), body.toString('utf8'), answer);
      const headers = { ...upstream.headers, 'content-length': String(Buffer.byteLength(answer)) };
      delete headers['transfer-encoding'];
      res.writeHead(upstream.statusCode ?? 502, headers);
      res.end(answer);
    } catch (error) {
      sendError(res, 502, `sqs front: ${(error as Error).message}`);
    }
  });
  outer = await listen(server, port);
  return {
    endpoint: outer,
    async stop() {
      await closeServer(server);
      target.agent.destroy();
    },
  };
}

interface SendEntry {
  Id?: string;
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, unknown>;
  MessageSystemAttributes?: Record<string, unknown>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

const JOURNALED_ACTIONS = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'PurgeQueue',
]);

/** Keeps the journal in step with one successful SQS call (AWS JSON protocol, as SDK v3 speaks it). */
function record(journal: SqsJournal, amzTarget: string, requestText: string, answerText: string): void {
  const action = amzTarget.replace(/^AmazonSQS\./, '');
  if (!JOURNALED_ACTIONS.has(action)) return;
  const request = JSON.parse(requestText) as Record<string, unknown>;
  const answer = answerText ? (JSON.parse(answerText) as Record<string, unknown>) : {};
  const queue = queueNameOf(String(request.QueueUrl ?? ''));
  const journaled = (entry: SendEntry): JournaledMessage => ({
    queue,
    body: entry.MessageBody,
    ...(entry.MessageAttributes ? { attributes: entry.MessageAttributes } : {}),
    ...(entry.MessageSystemAttributes ? { systemAttributes: entry.MessageSystemAttributes } : {}),
    ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
    ...(entry.MessageDeduplicationId ? { deduplicationId: entry.MessageDeduplicationId } : {}),
    visibleAt: Date.now() + (entry.DelaySeconds ?? 0) * 1000,
  });
  switch (action) {
    case 'SendMessage':
      if (typeof answer.MessageId === 'string')
        journal.sent(answer.MessageId, journaled(request as unknown as SendEntry));
      return;
    case 'SendMessageBatch': {
      const entries = new Map((request.Entries as SendEntry[]).map((e) => [e.Id, e]));
      for (const ok of (answer.Successful ?? []) as { Id: string; MessageId: string }[]) {
        const entry = entries.get(ok.Id);
        if (entry) journal.sent(ok.MessageId, journaled(entry));
      }
      return;
    }
    case 'ReceiveMessage':
      journal.received(queue, (answer.Messages ?? []) as { MessageId?: string; ReceiptHandle?: string }[]);
      return;
    case 'DeleteMessage':
      journal.deleted(String(request.ReceiptHandle));
      return;
    case 'DeleteMessageBatch': {
      const handles = new Map(
        (request.Entries as { Id: string; ReceiptHandle: string }[]).map((e) => [e.Id, e.ReceiptHandle]),
      );
      for (const ok of (answer.Successful ?? []) as { Id: string }[]) {
        const handle = handles.get(ok.Id);
        if (handle) journal.deleted(handle);
      }
      return;
    }
    case 'PurgeQueue':
      journal.purged(queue);
      return;
  }
}
