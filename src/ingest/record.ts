import { z } from 'zod';

/** One price observation, as producers send it and as it lands in storage (plus coordinates). */
export interface PriceRecord {
  id: string;
  symbol: string;
  name: string;
  price: number;
  market_cap: number | null;
  total_volume: number | null;
  price_change_percentage_24h: number | null;
  /** ISO-8601, normalised to `toISOString()` form. */
  last_updated: string;
}

export type InvalidReason =
  | 'null_value'
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'wrong_type'
  | 'invalid_field'
  | 'invalid_price'
  | 'invalid_timestamp';

export type Validation =
  | { ok: true; record: PriceRecord; lastUpdatedMs: number }
  | { ok: false; reason: InvalidReason; detail: string };

const REQUIRED = ['id', 'symbol', 'name', 'price', 'last_updated'] as const;
// ISO-8601 date-time with an explicit zone, so `Date` cannot guess a local time.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const optionalAmount = z.number().nonnegative().nullable().optional();

const priceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/),
  symbol: z.string().min(1).max(20),
  name: z.string().min(1).max(200),
  price: z.number(),
  market_cap: optionalAmount,
  total_volume: optionalAmount,
  price_change_percentage_24h: z.number().nullable().optional(),
  last_updated: z.string(),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decides whether a Kafka message value is a price record, and if not, why. Checks run cheapest
 * first (size, encoding, syntax, shape) and the reason names the first failure, so the DLQ says
 * something a person can act on.
 */
export function validateRecord(value: Buffer | null, maxRecordBytes: number): Validation {
  if (value === null) return invalid('null_value', 'message has no value (tombstone)');
  if (value.length > maxRecordBytes) {
    return invalid('too_large', `value is ${value.length} bytes, limit ${maxRecordBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return invalid('invalid_utf8', 'value is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return invalid('invalid_json', (error as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid('not_an_object', `expected a JSON object, got ${describe(parsed)}`);
  }
  return validateFields(parsed as Record<string, unknown>);
}

function validateFields(object: Record<string, unknown>): Validation {
  const missing = REQUIRED.filter((key) => object[key] === undefined);
  if (missing.length > 0) return invalid('missing_field', `missing ${missing.join(', ')}`);

  const result = priceSchema.safeParse(object);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const reason = reasonFor(field, issue?.code, object[field]);
    return invalid(reason, `${field}: ${issue?.message ?? 'invalid'} (got ${describe(object[field])})`);
  }
  const data = result.data;
  if (!Number.isFinite(data.price) || data.price <= 0) {
    return invalid('invalid_price', `price must be a finite positive number, got ${data.price}`);
  }
  const time = ISO_TIME.test(data.last_updated) ? Date.parse(data.last_updated) : Number.NaN;
  if (!Number.isFinite(time)) {
    return invalid('invalid_timestamp', `last_updated is not an ISO-8601 time: ${JSON.stringify(data.last_updated).slice(0, 80)}`);
  }
  return {
    ok: true,
    lastUpdatedMs: time,
    record: {
      id: data.id,
      symbol: data.symbol,
      name: data.name,
      price: data.price,
      market_cap: data.market_cap ?? null,
      total_volume: data.total_volume ?? null,
      price_change_percentage_24h: data.price_change_percentage_24h ?? null,
      last_updated: new Date(time).toISOString(),
    },
  };
}

function reasonFor(field: string, code: string | undefined, value: unknown): InvalidReason {
  // 1e999 parses to Infinity, which zod rejects as a type; for a price it is a bad price.
  if (field === 'price' && typeof value === 'number') return 'invalid_price';
  return code === 'invalid_type' ? 'wrong_type' : 'invalid_field';
}

function invalid(reason: InvalidReason, detail: string): Validation {
  return { ok: false, reason, detail };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}
