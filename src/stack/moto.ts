import fs from 'node:fs';
import { formatHostPort, type HostPort, type StackConfig, type StackPaths } from './config.ts';
import { venvBin, venvPrerequisites } from './python-env.ts';
import { serverAt, type ServerService } from './service.ts';

async function motoAnswers(endpoint: HostPort, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`http://${formatHostPort(endpoint)}/moto-api/`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function motoService(config: StackConfig, paths: StackPaths): ServerService {
  const workDir = paths.motoDir;
  return {
    name: 'moto',
    ...serverAt(config.moto, () => motoAnswers(config.moto)),
    prerequisites: () => venvPrerequisites(config),
    prepare: async (context) => {
      await context.ensureVenv();
      fs.mkdirSync(workDir, { recursive: true });
    },
    spawnSpec: () => ({
      command: venvBin(config, 'moto_server'),
      args: ['-H', config.moto.host, '-p', String(config.moto.port)],
      cwd: workDir,
      marker: 'moto_server',
      address: formatHostPort(config.moto),
    }),
  };
}

/**
 * Creates `bucket` on the stack's moto if it is missing (idempotent), so `storage.kind: s3`
 * works locally right after `strata stack up`. Only ever pointed at the local moto, whose
 * credentials are fixed dummies; a real bucket is the operator's to create.
 */
export async function ensureMotoBucket(
  endpoint: HostPort,
  bucket: string,
  region = 'us-east-1',
): Promise<'created' | 'exists'> {
  const { CreateBucketCommand, HeadBucketCommand, NotFound, S3Client } =
    await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: `http://${formatHostPort(endpoint)}`,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
  });
  const deadline = { abortSignal: AbortSignal.timeout(20_000) };
  try {
    // CreateBucket on a bucket one already owns succeeds in us-east-1, so ask first.
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), deadline);
      return 'exists';
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
    await client.send(new CreateBucketCommand({ Bucket: bucket }), deadline);
    return 'created';
  } finally {
    client.destroy();
  }
}
