// Emulator-backed tests never reach AWS: fixed fake credentials (s3rver accepts only S3RVER/S3RVER) and region.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
// The SDK warns once per process that releases after January 2027 need Node 22; the lockfile pins
// current ones, and the warning would repeat in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
