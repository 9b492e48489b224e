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
  | {
      ok: true;
      record: PriceRecord;
      /** The value bytes already are the record's canonical JSON (see `isCanonical`). */
      canonical: boolean;
    }
  | { ok: false; reason: InvalidReason; detail: string };

/** Field order of the canonical JSON form, which is also the order of a line in storage. */
export const RECORD_FIELDS = [
  'id',
  'symbol',
  'name',
  'price',
  'market_cap',
  'total_volume',
  'price_change_percentage_24h',
  'last_updated',
] as const;

const REQUIRED = ['id', 'symbol', 'name', 'price', 'last_updated'] as const;
// ISO-8601 date-time with an explicit zone, so `Date` cannot guess a local time.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const COIN_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Fields = Record<string, unknown>;

/**
 * Decides whether a Kafka message value is a price record, and if not, why. Checks run cheapest
 * first (size, encoding, syntax, shape) and the reason names the first failure, so the DLQ says
 * something a person can act on. This runs once per record on the ingest hot path, which is why
 * the checks are written out instead of going through a schema library.
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
  return validateFields(parsed as Fields, text);
}

function validateFields(o: Fields, text: string): Validation {
  if (
    o.id === undefined ||
    o.symbol === undefined ||
    o.name === undefined ||
    o.price === undefined ||
    o.last_updated === undefined
  ) {
    return invalid(
      'missing_field',
      `missing ${REQUIRED.filter((key) => o[key] === undefined).join(', ')}`,
    );
  }
  const problem =
    checkString(o, 'id', (s) => COIN_ID.test(s), 'must be a lowercase coin id') ??
    checkString(
      o,
      'symbol',
      (s) => s.length >= 1 && s.length <= 20,
      'must be 1 to 20 characters',
    ) ??
    checkString(
      o,
      'name',
      (s) => s.length >= 1 && s.length <= 200,
      'must be 1 to 200 characters',
    ) ??
    checkPrice(o.price) ??
    checkAmount(o, 'market_cap', true) ??
    checkAmount(o, 'total_volume', true) ??
    checkAmount(o, 'price_change_percentage_24h', false) ??
    checkString(o, 'last_updated', () => true, '');
  if (problem) return problem;

  const lastUpdated = o.last_updated as string;
  const normalized = normalizeTime(lastUpdated);
  if (normalized === null) {
    return invalid(
      'invalid_timestamp',
      `last_updated is not an ISO-8601 time: ${JSON.stringify(lastUpdated).slice(0, 80)}`,
    );
  }
  const record: PriceRecord = {
    id: o.id as string,
    symbol: o.symbol as string,
    name: o.name as string,
    price: o.price as number,
    market_cap: (o.market_cap as number | null | undefined) ?? null,
    total_volume: (o.total_volume as number | null | undefined) ?? null,
    price_change_percentage_24h:
      (o.price_change_percentage_24h as number | null | undefined) ?? null,
    last_updated: normalized,
  };
  return { ok: true, record, canonical: isCanonical(o, record, text) };
}

/** Records of one tick share their timestamp, so the last answer is usually the next one too. */
let lastTime: { text: string; normalized: string | null } = { text: '', normalized: null };

/** The `toISOString()` form of an ISO-8601 time with a zone, or null when it is no real time. */
function normalizeTime(text: string): string | null {
  if (text === lastTime.text) return lastTime.normalized;
  const time = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  let normalized = Number.isFinite(time) ? new Date(time).toISOString() : null;
  // V8 rolls 2026-02-30 over to March; a UTC stamp must survive the round trip to be a real date.
  if (normalized !== null && text.endsWith('Z') && normalized.slice(0, 16) !== text.slice(0, 16))
    normalized = null;
  lastTime = { text, normalized };
  return normalized;
}

function checkString(
  o: Fields,
  field: string,
  ok: (s: string) => boolean,
  rule: string,
): Validation | undefined {
  const value = o[field];
  if (typeof value !== 'string')
    return invalid('wrong_type', `${field}: expected string (got ${describe(value)})`);
  return ok(value)
    ? undefined
    : invalid('invalid_field', `${field}: ${rule} (got ${describe(value)})`);
}

function checkPrice(value: unknown): Validation | undefined {
  if (typeof value !== 'number')
    return invalid('wrong_type', `price: expected number (got ${describe(value)})`);
  // 1e999 parses to Infinity; JSON has no NaN, but a price must be finite and positive either way.
  if (!Number.isFinite(value) || value <= 0)
    return invalid('invalid_price', `price must be a finite positive number, got ${value}`);
  return undefined;
}

function checkAmount(o: Fields, field: string, nonNegative: boolean): Validation | undefined {
  const value = o[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number')
    return invalid('wrong_type', `${field}: expected number or null (got ${describe(value)})`);
  if (!Number.isFinite(value) || (nonNegative && value < 0)) {
    return invalid(
      'invalid_field',
      `${field}: must be a finite${nonNegative ? ' non-negative' : ''} number (got ${value})`,
    );
  }
  return undefined;
}

/**
 * Whether `text` is byte for byte the record's canonical JSON (what `recordHead` writes, closed):
 * exactly the record's fields, in canonical order, each once, no whitespace, values as
 * normalised, numbers as JavaScript prints them. Then a line can reuse the text instead of
 * serialising the record again (the largest cost of ingest after parsing).
 *
 * Cheap rather than piece by piece: with the keys known to be in order, the canonical length is
 * computed and each number is looked up verbatim where the canonical form has it. Whitespace,
 * escapes and duplicate keys only lengthen the text, and a number written another way is not
 * found at its place (`1e3` for `1000`) or lengthens it too (`64012.50`). (Checking lengths
 * alone let `1e21` and `1.0` in one record cancel out.)
 */
function isCanonical(o: Fields, record: PriceRecord, text: string): boolean {
  const keys = Object.keys(o);
  if (keys.length !== RECORD_FIELDS.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== RECORD_FIELDS[i]) return false;
  if (o.last_updated !== record.last_updated) return false;
  let at = 0;
  for (let i = 0; i < RECORD_FIELDS.length; i++) {
    at += KEY_PREFIX_LENGTHS[i]!;
    const value = record[RECORD_FIELDS[i]!];
    if (typeof value === 'string') {
      if (!PLAIN_STRING.test(value)) return false;
      at += value.length + 2;
    } else if (value === null) {
      at += 4;
    } else {
      const written = String(value);
      if (!matchesAt(text, written, at)) return false;
      at += written.length;
    }
  }
  return text.length === at + 1; // the closing brace
}

/** `text.startsWith(part, at)`, which V8 does not inline; this runs four times per record. */
function matchesAt(text: string, part: string, at: number): boolean {
  for (let i = 0; i < part.length; i++)
    if (text.charCodeAt(at + i) !== part.charCodeAt(i)) return false;
  return true;
}

/** Printable ASCII without `"` or `\`: JSON writes such a string as itself in quotes. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** Lengths of what precedes each value in the canonical form: `{"id":`, `,"symbol":`, ... */
const KEY_PREFIX_LENGTHS = RECORD_FIELDS.map((field) => field.length + 4);

function invalid(reason: InvalidReason, detail: string): Validation {
  return { ok: false, reason, detail };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}
