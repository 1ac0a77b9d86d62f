// For tests and tools that must read or plant stored documents exactly as they are stored (to
// prove what the store wrote, or to stage a state). Apps go through `openStore` only.
export { collectionsOf, type Collections } from './collections.js';
export {
  decodeName,
  decodeProperties,
  decodeValue,
  encodeName,
  encodeProperties,
  encodeValue,
} from './stored-form.js';
export { sequenceId } from './sequence-id.js';
export { secretMatches } from './projects.js';
export { storedGroup } from './stored-group.js';
export { feedChange } from './feed-change-fixture.js';
