import express from 'express';
import { LIMITS } from '@groupidentify/ops';

/**
 * The body of a platform request, whatever its content type, as the bytes sent (decompressed
 * when `Content-Encoding` says so), up to the 1 MB limit: each dialect reads it its own way.
 */
export const platformBody = express.raw({
  type: () => true,
  limit: LIMITS.maxBodyBytes,
  inflate: true,
});
