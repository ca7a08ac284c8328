// The escaping lives in flows, where the adapters' own warnings use it too.
export { asBlock, oneLine } from '../flows/escape-text.js';
