import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';

/**
 * Uploads a file with an S3 presigned POST as a streamed multipart/form-data body, reporting
 * bytes sent (Node's fetch buffers FormData and cannot report upload progress).
 */
export async function postFileToPresignedPost(
  presigned: { url: string; fields: Record<string, string> },
  file: { path: string; size: number; contentType: string },
  onProgress: (sentBytes: number) => void = () => {},
): Promise<{ status: number; body: string }> {
  const boundary = `----media-pipeline-${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(presigned.fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  // S3 requires the file to be the last field.
  const fileHeader =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file.path).replace(/"/g, '')}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`;
  const head = Buffer.from(fieldParts.join('') + fileHeader);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(presigned.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + file.size + tail.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const stream = createReadStream(file.path);
    stream.on('data', (chunk) => {
      sent += chunk.length;
      onProgress(sent);
    });
    stream.on('error', reject);
    stream.on('end', () => req.end(tail));
    stream.pipe(req, { end: false });
  });
}
