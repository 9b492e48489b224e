/**
 * Writes config/pipeline.schema.json from the zod schema, so editors (yaml-language-server)
 * validate and complete pipeline.yaml. A unit test fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipelineJsonSchema } from '../src/config/json-schema.ts';
import { PROJECT_ROOT } from '../src/shared/settings.ts';

const target = path.join(PROJECT_ROOT, 'config', 'pipeline.schema.json');
writeFileSync(target, pipelineJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
