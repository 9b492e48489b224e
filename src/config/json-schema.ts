import { z } from 'zod';
import { pipelineSchema } from './schema.ts';

/** The JSON Schema of pipeline.yaml as users write it (input side: defaults are optional). */
export function pipelineJsonSchema(): string {
  const schema = z.toJSONSchema(pipelineSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Strata pipeline' }, null, 2)}\n`;
}
