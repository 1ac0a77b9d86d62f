import { HttpError } from '../http-error.js';

/**
 * `422` of an `as_of` that would undo more history records than `AS_OF_MAX_HISTORY` (of one
 * group; `group` names it in an export): never a guess at the properties then.
 */
export const historyTooLong = (maxHistory: number, group = 'the group'): HttpError =>
  new HttpError(422, 'History too long to rewind', {
    reason:
      `${group} changed more than ${maxHistory} times after as_of (AS_OF_MAX_HISTORY); ` +
      'ask for a later as_of',
  });
