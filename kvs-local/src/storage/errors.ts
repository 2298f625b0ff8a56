/** Error types a storage session reports, as the KVS wire names them (kvs-reference §3, §4.4). */
export type StorageErrorType = 'InvalidArgumentException' | 'ClientLimitExceededException';

/** HTTP status (as a string, like STATUS_RESPONSE.statusCode) for each storage error type. */
const statusCodes: Record<StorageErrorType, string> = {
  InvalidArgumentException: '400',
  ClientLimitExceededException: '400',
};

/**
 * A refusal the router must turn into a wire error: an HTTP error for JoinStorageSession*, or a
 * STATUS_RESPONSE for a signaling message that carried a correlationId.
 */
export class StorageSessionError extends Error {
  /** Status code as a string, the way STATUS_RESPONSE carries it. */
  readonly statusCode: string;

  constructor(
    readonly errorType: StorageErrorType,
    message: string,
  ) {
    super(message);
    this.name = errorType;
    this.statusCode = statusCodes[errorType];
  }
}

/** Message of the viewer-limit refusal; the JS SDK sample matches this substring to stop retrying (§6.2). */
export const MAX_VIEWERS_MESSAGE =
  'The storage session has reached the maximum number of viewers connected to the session.';

/** Message of the codec refusal of a master's or viewer's answer (§6.2 step 5). */
export const BAD_ANSWER_MESSAGE = 'InvalidArgument: answer must contain H.264 video and Opus audio';

/** Outcome of handing an answer to the session; the router sends STATUS_RESPONSE for `ok: false`. */
export type AnswerResult =
  { ok: true } | { ok: false; error: { errorType: StorageErrorType; statusCode: string; message: string } };

/** Builds the failed {@link AnswerResult} from an error type and message. */
export function answerRefused(errorType: StorageErrorType, message: string): AnswerResult {
  return { ok: false, error: { errorType, statusCode: statusCodes[errorType], message } };
}
