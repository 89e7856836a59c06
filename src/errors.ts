/**
 * Errors the domain raises. They say what went wrong for the user; the HTTP layer maps each to the
 * status and body of API.md, and pages to a message.
 */
export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
  }
}

export const validationFailed = (fields: FieldErrors, message = 'Some fields need attention.') =>
  new DomainError(422, 'validation_failed', message, fields);
export const notFound = (what = 'Record') => new DomainError(404, 'not_found', `${what} not found.`);
export const forbidden = (message = 'You do not have permission to do that.') =>
  new DomainError(403, 'forbidden', message);
export const conflict = (message: string) => new DomainError(409, 'conflict', message);
export const unauthenticated = (message = 'Please sign in.') => new DomainError(401, 'unauthenticated', message);
export const rateLimited = (message = 'Too many attempts. Please wait a few minutes and try again.') =>
  new DomainError(429, 'rate_limited', message);
export const badRequest = (message: string) => new DomainError(400, 'bad_request', message);
