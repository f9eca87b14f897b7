// Emulator-backed tests never reach AWS: fixed fake credentials (s3rver accepts only S3RVER/S3RVER) and region.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
