import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorOf, invalidWhereReason } from './api-error';

describe('invalidWhereReason', () => {
  it('is the reason of a 400 Invalid where', () => {
    const error = apiErrorOf(
      400,
      { code: 400, error: 'Invalid where', reason: 'plan: $regex is not a supported operator' },
      undefined,
      '',
    );
    expect(error.message).toBe('400 Invalid where — plan: $regex is not a supported operator');
    expect(invalidWhereReason(error)).toBe('plan: $regex is not a supported operator');
  });

  it('is undefined for any other error, a 400 about another parameter included', () => {
    const limit = apiErrorOf(
      400,
      { code: 400, error: 'Invalid parameter', field: 'limit', reason: 'must be an integer' },
      undefined,
      '',
    );
    expect(invalidWhereReason(limit)).toBeUndefined();
    expect(limit.detail).toStrictEqual({
      error: 'Invalid parameter',
      reason: 'must be an integer',
      field: 'limit',
    });
    const notFound = apiErrorOf(404, { code: 404, error: 'Invalid where' }, undefined, '');
    expect(invalidWhereReason(notFound)).toBeUndefined();
    expect(invalidWhereReason(new Error('Invalid where'))).toBeUndefined();
    expect(invalidWhereReason(new ApiError(0, 'unreachable'))).toBeUndefined();
  });

  it('says so when the server gave no reason', () => {
    const bare = apiErrorOf(400, { code: 400, error: 'Invalid where' }, undefined, '');
    expect(invalidWhereReason(bare)).toBe('the server gave no reason');
  });
});
