// Values test/global-setup.ts hands to test files through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongoUrl: string;
  }
}

// Marks this file as a module, so the block above augments vitest instead of replacing it.
export {};
