import { createServer, type Server } from 'node:http';
import { closeServer, forward, listen, proxyTarget, readBody, sendError } from './http-util.js';
import { REGION } from './template.js';

/**
 * A thin proxy in front of fauxqs. fauxqs names its queues `http://sqs.<region>.localhost:<port>/<account>/<name>`
 * and looks them up by that exact URL, but `*.localhost` does not resolve in Node, and the SDK sends requests to the
 * QueueUrl's host unless the client has an explicit endpoint. Behind this front, queue URLs are
 * `http://127.0.0.1:<front>/<account>/<name>`: same origin as AWS_ENDPOINT_URL_SQS, so default clients just work.
 */
export interface SqsFront {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSqsFront(fauxqsEndpoint: string, port = 0): Promise<SqsFront> {
  const target = proxyTarget(fauxqsEndpoint);
  let outer = '';
  const innerOrigin = (region: string) => `http://sqs.${region}.localhost:${target.port}`;
  const innerPattern = new RegExp(`http://sqs\\.[a-z0-9-]+\\.localhost:${target.port}`, 'g');

  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      let rewritten = body;
      if (body.length && String(req.headers['content-type']).includes('json')) {
        const region =
          /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? REGION;
        const text = body.toString('utf8').split(outer).join(innerOrigin(region));
        rewritten = Buffer.from(text);
      }
      // fauxqs builds new queue URLs from the Host header's port: present its own.
      req.headers.host = `127.0.0.1:${target.port}`;
      const upstream = await forward(target, req, rewritten);
      const answer = (await readBody(upstream)).toString('utf8').replace(innerPattern, outer);
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
