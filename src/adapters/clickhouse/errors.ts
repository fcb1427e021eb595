/**
 * Which ClickHouse failures are worth retrying. ClickHouse names every exception (`Code: 252. DB::Exception:
 * … (TOO_MANY_PARTS)`); the name decides. A retry helps when the server, its resources or the way to it
 * was the problem; it cannot when the server judged the data or found the schema wrong, and then the batch
 * goes to the dead-letter queue with ClickHouse's own text. The lists are in README.md.
 */
import { PermanentWriteError, TransientWriteError } from '../contract.js';

/** The data or the schema: the same batch fails the same way every time. */
const PERMANENT_NAMES = new Set([
  'TYPE_MISMATCH',
  'INCORRECT_DATA',
  'INCORRECT_NUMBER_OF_COLUMNS',
  'CANNOT_READ_ARRAY_FROM_TEXT',
  'CANNOT_READ_MAP_FROM_TEXT',
  'SIZES_OF_ARRAYS_DONT_MATCH',
  'SIZES_OF_NESTED_COLUMNS_ARE_INCONSISTENT',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'ARGUMENT_OUT_OF_BOUND',
  'DECIMAL_OVERFLOW',
  'TOO_LARGE_STRING_SIZE',
  'TOO_LARGE_ARRAY_SIZE',
  'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN',
  'ILLEGAL_COLUMN',
  // The schema: tables or columns missing or of another shape (run `manifold migrate up`, then replay the dead letters).
  'UNKNOWN_TABLE',
  'UNKNOWN_DATABASE',
  'NO_SUCH_COLUMN_IN_TABLE',
  'THERE_IS_NO_COLUMN',
  'UNKNOWN_IDENTIFIER',
  'DUPLICATE_COLUMN',
]);
/** Any CANNOT_PARSE_* (CANNOT_PARSE_TEXT, _NUMBER, _DATETIME, _QUOTED_STRING, _INPUT_ASSERTION_FAILED, …). */
const PERMANENT_PREFIX = 'CANNOT_PARSE_';

const CLICKHOUSE_TEXT = /Code: (\d+)\.[\s\S]*?DB::Exception: [\s\S]*\(([A-Z][A-Z0-9_]+)\)/;

export interface ClickHouseFailure {
  readonly code: number;
  readonly name: string;
  /** `Code: N. DB::Exception: … (NAME)`, as the server said it. */
  readonly text: string;
}

/** The ClickHouse exception inside an error from @clickhouse/client, if the server sent one. */
export function clickhouseFailure(error: unknown): ClickHouseFailure | undefined {
  const err = error as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : '';
  // ClickHouseError: the client keeps the code, the name and the message between them.
  if (typeof err?.type === 'string' && /^[A-Z][A-Z0-9_]+$/.test(err.type) && /^\d+$/.test(String(err.code))) {
    return { code: Number(err.code), name: err.type, text: `Code: ${String(err.code)}. DB::Exception: ${message}(${err.type})` };
  }
  const match = CLICKHOUSE_TEXT.exec(message);
  return match ? { code: Number(match[1]), name: match[2]!, text: match[0] } : undefined;
}

export function isPermanent(failure: ClickHouseFailure): boolean {
  return PERMANENT_NAMES.has(failure.name) || failure.name.startsWith(PERMANENT_PREFIX);
}

/**
 * Everything else is transient: connection refused or reset, timeouts, HTTP errors without a ClickHouse
 * exception (a proxy's 502), and the server's own "not now" (TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED,
 * TABLE_IS_READ_ONLY, TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, QUOTA_EXCEEDED, Keeper errors,
 * authentication and access errors a config fix cures, …). A transient error that never ends reaches
 * the delivery retry limits and dead-letters there.
 */
export function classifyError(error: unknown, context: string): TransientWriteError | PermanentWriteError {
  const failure = clickhouseFailure(error);
  if (failure && isPermanent(failure)) {
    return new PermanentWriteError(`${context}: ClickHouse refused the data: ${failure.text}`, failure.text, { cause: error });
  }
  if (failure) return new TransientWriteError(`${context}: ${failure.text}`, undefined, { cause: error });
  const err = error as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? `${err.code}: ` : '';
  const message = typeof err?.message === 'string' && err.message !== '' ? err.message : String(error);
  return new TransientWriteError(`${context}: ${code}${message}`, undefined, { cause: error });
}
